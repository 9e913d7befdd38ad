/* refugio assistance desk: read the certificate's QR code with the device camera.
 *
 * The "Scan" button appears only where the browser can open a camera (getUserMedia: HTTPS or
 * localhost) and the decoder (jsQR, served from the checkout's node_modules) has loaded. Frames are
 * drawn on a canvas and decoded in the page; the first QR payload read goes into the certificate field
 * and the form is submitted, so the server checks the Ed25519 signature exactly as for a pasted or
 * typed payload. Nothing leaves the device but that form post. Without a camera the typed ID works.
 */
(function () {
  "use strict";
  var button = document.getElementById("d-scan");
  var video = document.getElementById("d-video");
  var status = document.getElementById("d-scan-status");
  var token = document.getElementById("d-token");
  var form = token ? token.form : null;
  var media = navigator.mediaDevices;
  if (!button || !video || !status || !form || !media || !media.getUserMedia || typeof window.jsQR !== "function") {
    return;
  }
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var timer = 0;
  var startLabel = button.textContent;
  var MAX_SIDE = 800; // decode a scaled frame: enough for a certificate held near the camera

  function stop() {
    window.clearTimeout(timer);
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
    }
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    button.textContent = startLabel;
    button.setAttribute("aria-pressed", "false");
  }

  function found(payload) {
    stop();
    token.value = payload;
    var key = document.getElementById("d-key");
    if (key) {
      key.value = "";
    }
    status.textContent = button.getAttribute("data-found");
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  function tick() {
    if (!stream) {
      return;
    }
    var width = video.videoWidth;
    var height = video.videoHeight;
    if (video.readyState >= 2 && width && height) {
      var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var frame = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "attemptBoth" });
      if (code && code.data) {
        found(code.data);
        return;
      }
    }
    timer = window.setTimeout(tick, 200);
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    if (stream) {
      stop();
      status.textContent = "";
      return;
    }
    status.textContent = button.getAttribute("data-aim");
    media.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(
      function (opened) {
        stream = opened;
        video.srcObject = opened;
        video.hidden = false;
        button.textContent = button.getAttribute("data-stop");
        button.setAttribute("aria-pressed", "true");
        var playing = video.play();
        if (playing && playing.catch) {
          playing.catch(function () {});
        }
        tick();
      },
      function (error) {
        stop();
        status.textContent = button.getAttribute("data-failed") + " (" + error.name + ")";
      }
    );
  });
  window.addEventListener("pagehide", stop);
})();
