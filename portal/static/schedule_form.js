/* The schedule form: show the computed end as soon as movie and start are known.
   The server computes it (the same rule as on save); this only asks and shows. */
(function () {
  var form = document.querySelector('form.admin-form');
  var ends = document.getElementById('ends_at');
  var movie = document.getElementById('movie');
  var starts = document.getElementById('starts_at');
  if (!form || !ends || !movie || !starts) { return; }
  var url = form.getAttribute('data-ends-at-url') ||
    window.location.pathname.replace(/(new|edit)\/?$/, '') + 'ends_at/';

  function refresh() {
    if (!movie.value || !starts.value) { return; }
    var query = '?movie=' + encodeURIComponent(movie.value) +
      '&starts_at=' + encodeURIComponent(starts.value);
    fetch(url + query, {credentials: 'same-origin'})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { ends.value = data.ends_at; } });
  }
  if (window.jQuery) {
    window.jQuery(movie).on('change', refresh);
    window.jQuery(starts).on('change apply.daterangepicker', refresh);
  }
  movie.addEventListener('change', refresh);
  starts.addEventListener('change', refresh);
  starts.addEventListener('input', refresh);
}());
