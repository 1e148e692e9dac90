// The upload form: drop a file or choose it, send it with a progress bar, then go to the run's page.
// Without JavaScript the same form posts normally and is redirected there.
const form = document.getElementById("upload-form");
const input = form?.querySelector('input[type="file"]');
const zone = document.getElementById("dropzone");
const texts = JSON.parse(document.getElementById("upload-texts")?.textContent || "{}");

function showChosen() {
  const chosen = document.getElementById("chosen-file");
  const file = input.files[0];
  chosen.textContent = file ? `${texts.chosen} ${file.name} (${Math.ceil(file.size / 1024).toLocaleString()} KB)` : "";
}

function showError(message) {
  const box = document.getElementById("upload-error");
  box.textContent = message;
  box.hidden = false;
}

if (form && input && zone) {
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  }
  for (const name of ["dragleave", "drop"]) {
    zone.addEventListener(name, () => zone.classList.remove("dragging"));
  }
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer?.files.length) {
      input.files = event.dataTransfer.files;
      showChosen();
    }
  });
  input.addEventListener("change", showChosen);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const bar = document.getElementById("upload-bar");
    const percent = document.getElementById("upload-percent");
    const button = form.querySelector('button[type="submit"]');
    document.getElementById("upload-error").hidden = true;
    document.getElementById("upload-progress").hidden = false;
    button.disabled = true;
    const request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (progress) => {
      if (!progress.lengthComputable) return;
      bar.value = Math.round((progress.loaded / progress.total) * 100);
      percent.textContent = `${bar.value} %`;
    });
    request.addEventListener("load", () => {
      button.disabled = false;
      let body = {};
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = {};
      }
      if (request.status === 202 && body.url) {
        bar.value = 100;
        window.location.assign(body.url);
      } else {
        showError(body.error?.message || texts.failed);
      }
    });
    request.addEventListener("error", () => {
      button.disabled = false;
      showError(texts.failed);
    });
    request.send(new FormData(form));
  });
}
