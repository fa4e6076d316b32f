/*!
 * switchboard-resume.js: gap-free resume for pusher-js 8.x (and Laravel Echo) on Switchboard.
 *
 * MIT License. Copyright (c) Switchboard contributors.
 * Permission is hereby granted, free of charge, to any person obtaining a copy of this software
 * and associated documentation files (the "Software"), to deal in the Software without
 * restriction, including without limitation the rights to use, copy, modify, merge, publish,
 * distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
 * Software is furnished to do so, subject to the following conditions: the above copyright notice
 * and this permission notice shall be included in all copies or substantial portions of the
 * Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
 * INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE
 * AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
 * DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 * OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
 *
 * Usage (docs/history.md):
 *   var resume = SwitchboardResume.attach(pusher, {
 *     onRecovered: function (channel, info) {},     // {replayed, after, latest}
 *     onUnrecoverable: function (channel, info) {}  // {reason, after, earliest, latest}: refetch
 *   });
 *   resume.detach();
 *
 * How it works: Switchboard adds a "serial" to every event on a channel with history. pusher-js
 * drops unknown fields when it decodes a frame, so this reads the raw frames of the current
 * transport (WebSocket or HTTP fallback), re-binding whenever pusher-js opens a new connection,
 * and keeps the last serial per channel. When pusher-js subscribes again after a reconnect, the
 * wrapped send_event adds "resume_after" to pusher:subscribe; the server replays what was missed
 * and then tells how it went with switchboard:resumed or switchboard:resume_failed on the channel.
 */
(function (root, factory) {
  if (typeof define === 'function' && define.amd) {
    define([], factory);
  } else if (typeof module === 'object' && module.exports) {
    module.exports = factory();
  } else {
    root.SwitchboardResume = factory();
  }
})(typeof globalThis !== 'undefined' ? globalThis : typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  var RESUMED = 'switchboard:resumed';
  var RESUME_FAILED = 'switchboard:resume_failed';
  var MARK = '__switchboardResume';
  var own = Object.prototype.hasOwnProperty;

  function isSerial(value) {
    return (typeof value === 'number' && value >= 0 && Math.floor(value) === value) ||
      (typeof value === 'string' && /^[0-9]{1,16}$/.test(value));
  }

  function parse(text) {
    try {
      return JSON.parse(text);
    } catch (e) {
      return null;
    }
  }

  // A callback that throws must not break pusher-js's dispatch of the frame; report it later.
  function call(callback, channel, info) {
    if (typeof callback !== 'function') {
      return;
    }
    try {
      callback(channel, info);
    } catch (error) {
      setTimeout(function () {
        throw error;
      }, 0);
    }
  }

  // Replaces obj[name] with wrapper(original) and returns how to put it back exactly.
  function wrap(obj, name, wrapper) {
    var hadOwn = own.call(obj, name);
    var original = obj[name];
    obj[name] = wrapper(original);
    return function restore() {
      if (hadOwn) {
        obj[name] = original;
      } else {
        delete obj[name];
      }
    };
  }

  /**
   * Attaches to a pusher-js 8.x instance (Laravel Echo: Echo.connector.pusher) and returns
   * {detach(), lastSerial(channelName)}. Attach before subscribing; attaching later works too,
   * from the next event on each channel.
   */
  function attach(pusher, options) {
    if (!pusher || !pusher.connection || typeof pusher.connection.bind !== 'function' ||
        typeof pusher.send_event !== 'function') {
      throw new TypeError('SwitchboardResume.attach expects a pusher-js instance ' +
        '(with Laravel Echo: Echo.connector.pusher)');
    }
    if (pusher[MARK]) {
      throw new Error('SwitchboardResume is already attached to this Pusher instance; detach() it first');
    }
    options = options || {};
    var serials = {}; // channel name -> last serial seen on it
    var transport = null; // the transport whose raw frames are being read

    function onFrame(message) {
      var text = message && message.data;
      if (typeof text !== 'string' || (text.indexOf('"serial"') < 0 && text.indexOf('switchboard:resum') < 0)) {
        return; // most frames: nothing for us, and no second JSON.parse
      }
      var frame = parse(text);
      if (!frame || typeof frame.channel !== 'string' || !pusher.channel(frame.channel)) {
        return;
      }
      var name = frame.channel;
      if (isSerial(frame.serial)) {
        serials[name] = frame.serial;
      }
      if (frame.event === RESUMED || frame.event === RESUME_FAILED) {
        var info = typeof frame.data === 'string' ? parse(frame.data) : frame.data;
        info = info || {};
        if (frame.event === RESUMED) {
          if (isSerial(info.latest) && !(isSerial(serials[name]) && +serials[name] > +info.latest)) {
            serials[name] = info.latest;
          }
          call(options.onRecovered, name, {replayed: info.replayed, after: info.after, latest: info.latest});
        } else {
          // The gap is reported once: from here the channel is live, so the next resume starts at
          // the latest serial the server knew (or, when it knew none, at the next event).
          if (isSerial(info.latest)) {
            serials[name] = info.latest;
          } else {
            delete serials[name];
          }
          call(options.onUnrecoverable, name, {
            reason: info.reason, after: info.after, earliest: info.earliest, latest: info.latest
          });
        }
      }
    }

    // pusher-js makes a new Connection (and transport) for every connect; read the current one.
    // state_change to "connected" is emitted before pusher-js re-subscribes and before any
    // channel frame can arrive on the new transport.
    function bindTransport() {
      var connection = pusher.connection.connection;
      var current = connection && connection.transport;
      if (current === transport) {
        return;
      }
      unbindTransport();
      if (current && typeof current.bind === 'function') {
        current.bind('message', onFrame);
        transport = current;
      }
    }

    function unbindTransport() {
      if (transport) {
        transport.unbind('message', onFrame);
        transport = null;
      }
    }

    function onStateChange(states) {
      if (states && states.current === 'connected') {
        bindTransport();
      }
    }

    var restoreSendEvent = wrap(pusher, 'send_event', function (original) {
      return function (event, data, channel) {
        if (data && typeof data.channel === 'string') {
          if (event === 'pusher:subscribe' && own.call(serials, data.channel) && !('resume_after' in data)) {
            var copy = {};
            for (var key in data) {
              if (own.call(data, key)) {
                copy[key] = data[key];
              }
            }
            copy.resume_after = serials[data.channel];
            data = copy;
          } else if (event === 'pusher:unsubscribe') {
            delete serials[data.channel];
          }
        }
        return original.call(this, event, data, channel);
      };
    });
    // pusher.unsubscribe while disconnected sends nothing, yet a later subscribe is a new one.
    var restoreUnsubscribe = wrap(pusher, 'unsubscribe', function (original) {
      return function (name) {
        delete serials[name];
        return original.apply(this, arguments);
      };
    });

    pusher.connection.bind('state_change', onStateChange);
    if (pusher.connection.state === 'connected') {
      bindTransport();
    }
    pusher[MARK] = true;
    var attached = true;

    return {
      /** The last serial seen on a channel (a number), or null. */
      lastSerial: function (name) {
        return own.call(serials, name) ? serials[name] : null;
      },
      /** Puts the pusher-js instance back as it was; the plugin forgets everything. */
      detach: function () {
        if (!attached) {
          return;
        }
        attached = false;
        pusher.connection.unbind('state_change', onStateChange);
        unbindTransport();
        restoreSendEvent();
        restoreUnsubscribe();
        delete pusher[MARK];
        serials = {};
      }
    };
  }

  return {attach: attach, version: '1.0.0'};
});
