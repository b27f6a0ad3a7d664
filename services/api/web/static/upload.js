// The upload page: several files dropped or chosen, each sent on its own with
// its progress bar, its result, then its extraction state until searchable.
// Without this script the form posts one file and a results page answers.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("f-file");
  const zone = document.getElementById("dropzone");
  const chosen = document.getElementById("upload-chosen");
  const list = document.getElementById("upload-progress");
  const text = (name) => form.getAttribute("data-text-" + name) || "";
  const stateText = (state) => form.getAttribute("data-state-" + state) || state;
  const csrf = form.querySelector("input[name=csrf]").value;
  input.multiple = true;

  const showChosen = () => {
    const n = input.files.length;
    chosen.textContent = n > 1 ? text("chosen").replace("{n}", String(n)) : "";
  };
  input.addEventListener("change", showChosen);
  ["dragenter", "dragover"].forEach((kind) => zone.addEventListener(kind, (event) => {
    event.preventDefault();
    zone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((kind) => zone.addEventListener(kind, () => zone.classList.remove("over")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      showChosen();
    }
  });

  // the customer picker: codes and names matching what has been typed
  const customer = document.getElementById("f-customer");
  const options = document.getElementById("customer-options");
  let asked = "";
  let timer = 0;
  customer.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(async () => {
      const q = customer.value.trim();
      if (q === asked) return;
      asked = q;
      const answer = await fetch("/upload/customers?q=" + encodeURIComponent(q),
                                 {headers: {Accept: "application/json"}});
      if (!answer.ok) return;
      const found = await answer.json();
      options.replaceChildren(...found.items.map((c) => {
        const option = document.createElement("option");
        option.value = c.code;
        option.label = c.code + " " + c.name;
        option.textContent = c.name;
        return option;
      }));
    }, 200);
  });

  const element = (tag, className, content) => {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (content !== undefined) made.textContent = content;
    return made;
  };

  const row = (file) => {
    const item = element("li", "upload-result");
    item.append(element("span", "upload-name", file.name));
    const bar = element("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    const status = element("span", "badge", text("waiting"));
    const outcome = element("span", "upload-outcome");
    item.append(bar, status, outcome);
    list.append(item);
    return {item, bar, status, outcome};
  };

  const mark = (badge, kind, words) => {
    badge.className = "badge " + kind;
    badge.textContent = words;
  };

  const follow = (id, badge) => {
    const ask = async () => {
      const answer = await fetch("/documents/" + encodeURIComponent(id) + "/state",
                                 {headers: {Accept: "application/json"}});
      if (!answer.ok) return;
      const state = await answer.json();
      mark(badge, state.state === "done" ? "ok" : state.state === "failed" ? "bad" : "warn",
           stateText(state.state));
      if (state.state === "pending") window.setTimeout(ask, 1500);
    };
    window.setTimeout(ask, 1000);
  };

  const archived = (parts, body) => {
    mark(parts.status, "ok", text("archived"));
    const link = element("a", "", body.archive_number);
    link.href = body.url;
    const state = element("span", "badge warn", stateText(body.state));
    parts.outcome.replaceChildren(link, " ", state);
    if (body.state === "pending") follow(body.id, state);
  };

  const refused = (parts, body) => {
    mark(parts.status, "bad", text("refused"));
    const reason = element("span", "", body.message);
    reason.setAttribute("role", "alert");
    parts.outcome.replaceChildren(reason);
    if (body.existing) {
      const link = element("a", "", body.existing.archive_number);
      link.href = body.existing.url;
      parts.outcome.append(" " + text("existing") + " ", link);
    }
  };

  const send = (file, parts, fields) => new Promise((done) => {
    const data = new FormData();
    fields.forEach(([name, value]) => data.append(name, value));
    data.append("file", file, file.name);
    const request = new XMLHttpRequest();
    request.open("POST", "/upload");
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-CSRF-Token", csrf);
    mark(parts.status, "", text("uploading"));
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) parts.bar.value = Math.round(100 * event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      parts.bar.value = 100;
      let body = null;
      try { body = JSON.parse(request.responseText); } catch (_) { body = null; }
      if (request.status === 201 && body) archived(parts, body);
      else refused(parts, (body && body.error) || {message: text("network")});
      done();
    });
    request.addEventListener("error", () => {
      refused(parts, {message: text("network")});
      done();
    });
    request.send(data);
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const files = Array.from(input.files);
    if (!files.length) {
      chosen.textContent = text("none");
      return;
    }
    const fields = [];
    new FormData(form).forEach((value, name) => {
      if (name !== "file" && name !== "csrf" && value !== "") fields.push([name, value]);
    });
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const rows = files.map(row);
    for (const [n, file] of files.entries()) await send(file, rows[n], fields);  // in order
    button.disabled = false;
    input.value = "";
    showChosen();
  });
});
