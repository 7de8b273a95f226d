/* Flask-Admin's date and time pickers in the reader's language, opening on the cinemas'
   wall-clock time (Asia/Shanghai) rather than the browser's clock. Texts and the time
   zone offset come from #portal-picker-texts, written by the server. */
(function () {
  var zh = (document.documentElement.lang || '').indexOf('zh') === 0;
  if (zh && window.moment) {
    // moment 2.9's API: define and select the locale the pickers take their names from.
    window.moment.locale('zh-cn', {
      months: '一月_二月_三月_四月_五月_六月_七月_八月_九月_十月_十一月_十二月'.split('_'),
      monthsShort: '1月_2月_3月_4月_5月_6月_7月_8月_9月_10月_11月_12月'.split('_'),
      weekdays: '星期日_星期一_星期二_星期三_星期四_星期五_星期六'.split('_'),
      weekdaysShort: '周日_周一_周二_周三_周四_周五_周六'.split('_'),
      weekdaysMin: '日_一_二_三_四_五_六'.split('_'),
      week: {dow: 1, doy: 4}
    });
  }

  function texts() {
    var node = document.getElementById('portal-picker-texts');
    return node ? node.dataset : {};
  }

  function wallClockNow() {
    var offset = parseInt(texts().utcOffsetMinutes || '480', 10);
    var shifted = window.moment.utc().add(offset, 'minutes');
    return window.moment(shifted.format('YYYY-MM-DD HH:mm'), 'YYYY-MM-DD HH:mm');
  }

  window.jQuery(function ($) {
    if (!$.fn.daterangepicker) { return; }
    var original = $.fn.daterangepicker;
    $.fn.daterangepicker = function (options, callback) {
      var t = texts();
      options = $.extend({}, options);
      options.locale = $.extend({
        applyLabel: t.apply, cancelLabel: t.cancel, fromLabel: t.from, toLabel: t.to,
        weekLabel: t.week, daysOfWeek: window.moment.weekdaysMin(),
        monthNames: window.moment.monthsShort(),
        firstDay: window.moment.localeData()._week.dow
      }, options.locale);
      var result = original.call(this, options, callback);
      var $el = this;
      if (options.timePicker && options.singleDatePicker) {
        // After Flask-Admin's own handler, which opens an empty field on the browser's clock.
        window.setTimeout(function () {
          $el.on('show.daterangepicker', function () {
            if (!$el.val()) {
              var now = wallClockNow();
              $el.data('daterangepicker').setCustomDates(now, now);
            }
          });
        }, 0);
      }
      return result;
    };
  });
}());
