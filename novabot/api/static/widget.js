/* Nova's web chat: one script tag on any page, talking to the Nova it was loaded from.

     <script src="https://nova.example.com/widget.js" data-key="nova_..."
             data-model="chat" data-title="Ask us"></script>

   Attributes: data-key (a public API key: restrict it to public agents), data-model (an
   agent, or "nova" for the router; default: the first model the key may use), data-title,
   data-mode="page" with data-target="ELEMENT-ID" for a full-page chat (Nova's /chat page).
   The chat lives in a shadow root with its own stylesheet (widget.css, next to this file),
   so the host page's CSS and the widget's do not touch. Answers are streamed from
   /v1/chat/completions and inserted as text, never as HTML. */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) return;
  var base = new URL(".", script.src).href; // where Nova serves this file, proxy prefix included
  var storagePrefix = "nova-widget:" + base + ":";

  function data(name, fallback) {
    var value = script.getAttribute("data-" + name);
    return value === null || value === "" ? fallback : value;
  }

  // sessionStorage may be refused (privacy settings): then the values last as long as the page.
  var memory = {};
  function load(name) {
    try {
      return window.sessionStorage.getItem(storagePrefix + name);
    } catch (e) {
      return memory[name] || null;
    }
  }
  function keep(name, value) {
    memory[name] = value;
    try {
      if (value === null) window.sessionStorage.removeItem(storagePrefix + name);
      else window.sessionStorage.setItem(storagePrefix + name, value);
    } catch (e) {
      /* kept in memory only */
    }
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "web-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  /* The conversation Nova keeps for this visitor: one random id per browser tab. */
  function conversationId() {
    var id = load("conversation");
    if (!id) {
      id = randomId();
      keep("conversation", id);
    }
    return id;
  }

  /* The key: the tag's, else (full page) the URL fragment's, else the one typed earlier.
     A key in the fragment is taken out of the address bar so it is not shared by accident. */
  function initialKey(pageMode) {
    var key = data("key", null);
    if (key || !pageMode) return key;
    var fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    key = fragment.get("key");
    if (key) {
      keep("key", key);
      if (fragment.get("model")) keep("model", fragment.get("model"));
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
      return key;
    }
    return load("key");
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  /* A speech bubble drawn in SVG: no image to load, no emoji font needed. */
  function bubbleIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  /* One line for what went wrong; the caller keeps the typed text in the box. */
  function errorLine(status, retryAfter, message) {
    if (status === 401) return "This chat's key is not valid (revoked or mistyped).";
    if (status === 403) return "This chat's key may not use this assistant.";
    if (status === 429) {
      var wait = parseInt(retryAfter || "", 10);
      return "Too many messages: try again in " + (wait > 0 ? wait + " s" : "a moment") + ".";
    }
    if (status === 0) return "Nova could not be reached: check the connection and try again.";
    return "Nova could not answer (" + status + (message ? ": " + message : "") + ").";
  }

  async function errorMessage(response) {
    try {
      var body = await response.json();
      return body && body.error && body.error.message ? String(body.error.message) : "";
    } catch (e) {
      return "";
    }
  }

  /* Reads an SSE body and calls onText for each piece of the answer, until [DONE]. */
  async function readStream(response, onText) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) throw new Error("the answer stopped before its end");
      buffer += decoder.decode(chunk.value, { stream: true });
      var lines = buffer.split("\n");
      buffer = lines.pop();
      for (var i = 0; i < lines.length; i++) {
        var line = lines[i].replace(/\r$/, "");
        if (line.indexOf("data:") !== 0) continue;
        var payload = line.slice(5).trim();
        if (payload === "[DONE]") return;
        var event = JSON.parse(payload);
        if (event.error) throw new Error(event.error.message || "Nova could not answer");
        var choice = event.choices && event.choices[0];
        if (choice && choice.delta && choice.delta.content) onText(choice.delta.content);
      }
    }
  }

  function Chat(root, options) {
    this.options = options;
    this.key = options.key;
    this.model = options.model || load("model");
    this.busy = false;
    this.build(root);
  }

  Chat.prototype.build = function (root) {
    var ids = randomId();
    var panel = el("section", { class: "panel", role: "region", "aria-label": this.options.title });
    if (!this.options.pageMode) {
      panel.setAttribute("id", "panel-" + ids);
      panel.hidden = true;
      this.toggle = el("button", {
        class: "toggle",
        type: "button",
        "aria-expanded": "false",
        "aria-controls": "panel-" + ids,
        "aria-label": "Open chat: " + this.options.title,
      });
      this.toggle.appendChild(bubbleIcon());
      root.appendChild(this.toggle);
    }
    var header = el("header", {});
    header.appendChild(el("h2", {}, this.options.title));
    if (!this.options.pageMode) {
      this.close = el("button", { class: "close", type: "button", "aria-label": "Close chat" }, "×");
      header.appendChild(this.close);
    }
    panel.appendChild(header);
    // The log is announced politely, and only once an answer is complete (aria-busy).
    this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
    panel.appendChild(this.log);
    this.error = el("p", { class: "error", role: "alert" });
    this.error.hidden = true;
    panel.appendChild(this.error);
    this.keyForm = this.buildKeyForm(ids);
    panel.appendChild(this.keyForm);
    this.form = el("form", { class: "composer" });
    this.form.appendChild(el("label", { for: "message-" + ids, class: "visually-hidden" }, "Your message"));
    this.input = el("textarea", {
      id: "message-" + ids,
      rows: "2",
      placeholder: "Type a message (Enter sends, Shift+Enter for a new line)",
    });
    this.send = el("button", { type: "submit" }, "Send");
    this.form.appendChild(this.input);
    this.form.appendChild(this.send);
    panel.appendChild(this.form);
    root.appendChild(panel);
    this.panel = panel;
    this.keyForm.hidden = !!this.key;
    this.listen();
  };

  Chat.prototype.buildKeyForm = function (ids) {
    var form = el("form", { class: "key" });
    form.appendChild(el("label", { for: "key-" + ids }, "API key"));
    this.keyInput = el("input", { id: "key-" + ids, type: "password", autocomplete: "off", placeholder: "nova_…" });
    form.appendChild(this.keyInput);
    form.appendChild(el("button", { type: "submit" }, "Use this key"));
    return form;
  };

  Chat.prototype.listen = function () {
    var chat = this;
    if (this.toggle) {
      this.toggle.addEventListener("click", function () {
        chat.setOpen(chat.panel.hidden);
      });
      this.close.addEventListener("click", function () {
        chat.setOpen(false);
      });
      this.panel.addEventListener("keydown", function (event) {
        if (event.key === "Escape") chat.setOpen(false);
      });
    }
    this.keyForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var key = chat.keyInput.value.trim();
      if (!key) return;
      chat.key = key;
      keep("key", key);
      chat.keyInput.value = "";
      chat.keyForm.hidden = true;
      chat.showError("");
      chat.input.focus();
    });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      chat.submit();
    });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        chat.submit();
      }
    });
  };

  Chat.prototype.setOpen = function (open) {
    this.panel.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    this.toggle.setAttribute("aria-label", (open ? "Close chat: " : "Open chat: ") + this.options.title);
    if (open) this.input.focus();
    else this.toggle.focus();
  };

  Chat.prototype.showError = function (text) {
    this.error.textContent = text;
    this.error.hidden = !text;
  };

  Chat.prototype.bubble = function (role, text) {
    var node = el("p", { class: "message " + role });
    node.appendChild(el("span", { class: "visually-hidden" }, role === "user" ? "You: " : "Nova: "));
    var body = el("span", { class: "text" });
    body.textContent = text; // text, never HTML: an answer cannot inject markup
    node.appendChild(body);
    this.log.appendChild(node);
    this.log.scrollTop = this.log.scrollHeight;
    return body;
  };

  Chat.prototype.headers = function () {
    return {
      Authorization: "Bearer " + this.key,
      "Content-Type": "application/json",
      "X-Nova-Conversation": conversationId(),
    };
  };

  /* The model to ask: the tag's, else the first one the key may use (GET /v1/models). */
  Chat.prototype.chooseModel = async function () {
    if (this.model) return { model: this.model };
    var response = await fetch(base + "v1/models", { headers: this.headers() });
    if (!response.ok) return { response: response };
    var body = await response.json();
    if (!body.data || !body.data.length) return { response: response };
    this.model = body.data[0].id;
    return { model: this.model };
  };

  Chat.prototype.submit = async function () {
    var text = this.input.value;
    if (this.busy || !text.trim()) return;
    if (!this.key) {
      this.keyForm.hidden = false;
      this.showError("Enter an API key first.");
      return;
    }
    this.busy = true;
    this.input.readOnly = true; // kept as typed until Nova has taken the message
    this.send.disabled = true;
    this.showError("");
    var question = this.bubble("user", text).parentNode;
    try {
      var response = await this.post(text);
      if (!response.ok) {
        this.log.removeChild(question);
        await this.fail(response);
        return;
      }
      this.input.value = "";
      this.input.readOnly = false;
      await this.stream(response);
    } catch (e) {
      if (question.parentNode && this.input.readOnly) this.log.removeChild(question);
      this.showError(this.input.readOnly ? errorLine(0) : "The answer was cut off: " + e.message + ".");
    } finally {
      this.busy = false;
      this.input.readOnly = false;
      this.send.disabled = false;
    }
  };

  Chat.prototype.post = async function (text) {
    var chosen = await this.chooseModel();
    if (chosen.response) return chosen.response;
    return fetch(base + "v1/chat/completions", {
      method: "POST",
      headers: this.headers(),
      body: JSON.stringify({
        model: chosen.model,
        stream: true,
        messages: [{ role: "user", content: text }],
      }),
    });
  };

  Chat.prototype.fail = async function (response) {
    var message = await errorMessage(response);
    this.showError(errorLine(response.status, response.headers.get("Retry-After"), message));
    if (response.status === 401 && this.options.pageMode) {
      keep("key", null);
      this.key = null;
      this.keyForm.hidden = false;
    }
  };

  Chat.prototype.stream = async function (response) {
    var answer = this.bubble("assistant", "");
    var log = this.log;
    log.setAttribute("aria-busy", "true");
    try {
      await readStream(response, function (piece) {
        answer.textContent += piece;
        log.scrollTop = log.scrollHeight;
      });
    } finally {
      log.setAttribute("aria-busy", "false");
    }
  };

  function mount() {
    var pageMode = data("mode", "") === "page";
    var host = el("div", { class: "nova-widget" });
    var target = pageMode ? document.getElementById(data("target", "")) : null;
    (target || document.body).appendChild(host);
    var shadow = host.attachShadow({ mode: "open" });
    // A stylesheet file, not a <style> element: allowed by a strict CSP (style-src 'self').
    shadow.appendChild(el("link", { rel: "stylesheet", href: base + "widget.css" }));
    var root = el("div", { class: pageMode ? "root page" : "root floating" });
    shadow.appendChild(root);
    var chat = new Chat(root, {
      key: initialKey(pageMode),
      model: data("model", null),
      title: data("title", "Chat with Nova"),
      pageMode: pageMode,
    });
    host.novaChat = chat;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
