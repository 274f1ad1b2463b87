// The agent-host chat page: streams answers from /v1/chat/completions (OpenAI SSE), names the backend and route of each
// answer, lets the user pick a route or model (from /v1/models; "auto" sends no model, so the rules decide), shows backend
// health from /health. Every turn is stored by the host under the current conversation id (the x-agent-conversation
// header; the id is kept in localStorage, so a reload or a server restart resumes it); the sidebar lists the stored
// conversations (/v1/conversations) to resume or delete. Answers are markdown, rendered with marked and sanitised with
// DOMPurify (both vendored under vendor/, loaded before this file); no build step.
(() => {
  "use strict";

  const KEY_STORAGE = "agentHostApiKey";
  const CONVERSATION_STORAGE = "agentHostConversation";
  const HEALTH_EVERY_MS = 4000;
  const $ = (id) => document.getElementById(id);
  const log = $("log"), form = $("composer"), input = $("message"), send = $("send"), routeSelect = $("route");
  const keyPanel = $("key-panel"), keyInput = $("api-key"), keyToggle = $("key-toggle"), keyNote = $("key-note");
  const list = $("conversations"), listNote = $("conversations-note");

  const markdown = createMarkdown();

  /** Whole turns only: a turn that fails is never added, so the conversation survives a failure. */
  const history = [];
  let running = null; // the AbortController of the turn in flight
  let conversationId = null; // the stored conversation this page's turns go to

  /** A new conversation id: letters, digits and '-' (what the host accepts: [A-Za-z0-9._:-], at most 128). */
  function newConversationId() {
    const random = crypto.getRandomValues(new Uint32Array(2));
    return "c-" + Date.now().toString(36) + "-" + random[0].toString(36) + random[1].toString(36);
  }

  function setConversation(id) {
    conversationId = id;
    localStorage.setItem(CONVERSATION_STORAGE, id);
    for (const item of list.querySelectorAll(".conversation")) item.classList.toggle("current", item.dataset.id === id);
  }

  function headers() {
    const h = { "Content-Type": "application/json" };
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) h.Authorization = "Bearer " + key;
    return h;
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function addMessage(role, text) {
    $("empty")?.remove();
    const msg = el("article", "msg " + role);
    const meta = el("div", "meta");
    meta.append(el("span", "who", role === "user" ? "You" : "Assistant"));
    const badge = el("span", "badge");
    badge.hidden = true;
    if (role === "assistant") meta.append(badge);
    const body = el("div", "text", text);
    if (role === "assistant" && markdown) body.classList.add("markdown");
    msg.append(meta, body);
    log.append(msg);
    scroll();
    return { msg, body, badge };
  }

  function scroll() { log.scrollTop = log.scrollHeight; window.scrollTo(0, document.body.scrollHeight); }

  /**
   * marked (GFM) → DOMPurify, or null when the vendored files did not load (answers then show as plain text).
   * Raw HTML in the markdown is escaped, so it shows as text; images become links (the model never makes the page
   * load anything); links open in a new tab without an opener or referrer; DOMPurify then removes whatever is left
   * that could run (event handlers, javascript: URLs, script, style).
   */
  function createMarkdown() {
    if (!window.marked || typeof window.marked.Marked !== "function" || typeof window.DOMPurify !== "function") return null;
    const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
    const parser = new window.marked.Marked({ gfm: true, breaks: true, async: false });
    parser.use({
      renderer: {
        html(token) { return escapeHtml(token.text); },
        image(token) {
          const label = token.text || token.href;
          return this.link({ type: "link", raw: token.raw, href: token.href, title: token.title, text: label, tokens: [], autolink: true });
        },
      },
    });
    const purify = window.DOMPurify(window); // an instance of our own: its hook touches nothing else
    purify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A" && node.hasAttribute("href")) {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
      }
    });
    const config = {
      USE_PROFILES: { html: true }, FORBID_TAGS: ["img", "style", "form", "button", "textarea", "select"], FORBID_ATTR: ["style"],
      ALLOW_DATA_ATTR: false, RETURN_DOM_FRAGMENT: true,
    };
    return (text) => {
      const fragment = purify.sanitize(parser.parse(text).trim(), config);
      for (const pre of fragment.querySelectorAll("pre")) {
        const block = el("div", "code-block");
        const bar = el("div", "code-bar");
        const lang = /(?:^|\s)language-(\S+)/.exec(pre.querySelector("code")?.className || "");
        bar.append(el("span", "code-lang", lang ? lang[1] : ""));
        const copy = el("button", "copy", "Copy");
        copy.type = "button";
        copy.title = "Copy the code";
        bar.append(copy);
        pre.replaceWith(block);
        block.append(bar, pre);
      }
      return fragment;
    };
  }

  /** Puts the answer's text into its element: markdown when available; counts renders in window.__agentHostRenders. */
  function render(view) {
    view.frame = 0;
    if (view.rendered === view.text) return;
    view.rendered = view.text;
    try {
      if (markdown) view.body.replaceChildren(markdown(view.text)); else view.body.textContent = view.text;
    } catch (e) {
      view.body.textContent = view.text; // a parser failure still shows the answer, as plain text
    }
    window.__agentHostRenders = (window.__agentHostRenders || 0) + 1;
    scroll();
  }

  /** While streaming: at most one render per animation frame, however many chunks arrive in between. */
  function scheduleRender(view, text) {
    view.text = text;
    if (!view.frame) view.frame = requestAnimationFrame(() => render(view));
  }

  /** When the stream ends (whole, cut or stopped): the last text, rendered now rather than on the next frame. */
  function flushRender(view) {
    if (view.frame) cancelAnimationFrame(view.frame);
    render(view);
  }

  /** Copies a code block's text: the Clipboard API, or a hidden textarea and execCommand where it is missing or refused. */
  async function copyText(text) {
    try {
      if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return true; }
    } catch (e) { /* fall back */ }
    const area = el("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.append(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }

  // One listener for every copy button, so buttons re-created by a re-render need none of their own.
  log.addEventListener("click", async (e) => {
    const button = e.target instanceof Element ? e.target.closest("button.copy") : null;
    if (!button) return;
    const code = button.closest(".code-block")?.querySelector("pre");
    const ok = code ? await copyText(code.textContent) : false;
    button.textContent = ok ? "Copied" : "Copy failed";
    button.classList.toggle("copied", ok);
    clearTimeout(button.resetTimer);
    button.resetTimer = setTimeout(() => { button.textContent = "Copy"; button.classList.remove("copied"); }, 1500);
  });

  function describeReport(report) {
    if (!report || !Array.isArray(report.attempts)) return "";
    return report.attempts.map((a) => a.outcome === "succeeded" ? `${a.backend}: answered`
      : a.outcome === "skipped" || a.outcome === "deferred" ? `${a.backend}: ${a.outcome} (${a.skip_reason ?? "?"})`
      : `${a.backend}: ${a.error ?? a.outcome}`).join("\n");
  }

  /** "local; chosen-by=caller" (the x-agent-route header) → { route, chosenBy }. */
  function parseRoute(header) {
    if (!header) return null;
    const [route, rest] = header.split(";", 2).map((p) => p.trim());
    const chosenBy = rest && rest.startsWith("chosen-by=") ? rest.slice("chosen-by=".length) : "";
    const decode = (v) => { try { return decodeURIComponent(v); } catch (e) { return v; } };
    return { route: decode(route), chosenBy: decode(chosenBy) };
  }

  function setBadge(view, backend, report, routeInfo) {
    if (!backend) return;
    const model = report && report.model ? ` · ${report.model}` : "";
    const route = report && report.route ? { route: report.route, chosenBy: report.chosen_by || "" } : routeInfo || view.route || null;
    view.route = route;
    view.badge.textContent = backend + model;
    if (route) {
      view.badge.append(el("span", "route", ` · route ${route.route}`));
      view.badge.dataset.route = route.route;
      view.badge.dataset.chosenBy = route.chosenBy;
    }
    view.badge.hidden = false;
    view.badge.dataset.backend = backend;
    view.msg.dataset.backend = backend;
    const before = report && Array.isArray(report.attempts)
      ? report.attempts.filter((a) => a.backend !== backend && (a.outcome === "failed" || a.outcome === "cancelled")).map((a) => a.backend)
      : [];
    let note = view.msg.querySelector(".via");
    if (before.length) {
      if (!note) { note = el("span", "via"); view.badge.after(note); }
      note.textContent = "after " + before.join(", ") + " failed";
    }
    const how = describeReport(report);
    const via = route ? ` on route ${route.route} (chosen by ${route.chosenBy || "?"})` : "";
    view.badge.title = "Answered by " + backend + via + (how ? "\n" + how : "");
    view.badge.setAttribute("aria-label", "answered by " + backend + model + via);
  }

  /** Shows an error inside the failed answer; Retry replaces the failed turn (question and answer) with a new try. */
  function showError(view, message, retryText) {
    view.msg.classList.add("failed");
    const box = el("div", "error", message);
    box.setAttribute("role", "alert");
    if (retryText) {
      const retry = el("button", "ghost", "Retry");
      retry.type = "button";
      retry.addEventListener("click", () => {
        if (running) return;
        view.question?.remove();
        view.msg.remove();
        turn(retryText);
      });
      box.append(retry);
    }
    view.msg.append(box);
    scroll();
  }

  function setRunning(controller) {
    running = controller;
    send.textContent = controller ? "Stop" : "Send";
    send.classList.toggle("stop", !!controller);
    send.type = controller ? "button" : "submit";
  }

  /** A live status line under the pending answer: the latest thing the chain did while looking for a backend. */
  function showProgress(view, text) {
    if (!view.progress) {
      view.progress = el("div", "progress");
      view.progress.setAttribute("role", "status");
      view.msg.append(view.progress);
    }
    view.progress.textContent = text;
  }

  function clearProgress(view) {
    view.progress?.remove();
    view.progress = null;
  }

  /** One turn: sends the history plus the new message, streams the answer in, keeps the turn only when it completed. */
  async function turn(text) {
    const question = addMessage("user", text);
    const view = addMessage("assistant", "");
    view.question = question.msg;
    view.msg.classList.add("pending");
    const controller = new AbortController();
    setRunning(controller);
    const messages = [...history, { role: "user", content: text }];
    const request = { messages, stream: true };
    const turnHeaders = { ...headers(), "x-agent-conversation": conversationId };
    if (routeSelect.value) request.model = routeSelect.value; // "auto" sends no model: the rules decide
    let answer = "", report = null, done = false;
    try {
      const res = await fetch("v1/chat/completions", {
        method: "POST", headers: turnHeaders, signal: controller.signal, body: JSON.stringify(request),
      });
      const storeError = res.headers.get("x-agent-conversation-error");
      if (storeError) showStoreError(view, storeError);
      if (!res.ok) {
        const body = await res.json().catch(() => null);
        if (res.status === 401) openKeyPanel("This host needs an API key.");
        showError(view, (body && body.error && body.error.message) || `HTTP ${res.status}`, text);
        return;
      }
      setBadge(view, res.headers.get("x-agent-backend"), null, parseRoute(res.headers.get("x-agent-route")));
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          // SSE comments (": agent-host: Mlx failed (…) → trying Ollama") tell what the chain did while it looked for a backend.
          for (const c of event.split("\n").filter((l) => l.startsWith(":")).map((l) => l.slice(1).trimStart())) {
            if (c.startsWith("agent-host: conversation-error: ")) showStoreError(view, c.slice("agent-host: conversation-error: ".length));
            else if (c.startsWith("agent-host: ")) showProgress(view, c.slice("agent-host: ".length));
          }
          const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
          if (!data) continue;
          if (data === "[DONE]") { done = true; continue; }
          const chunk = JSON.parse(data);
          if (chunk.error) {
            clearProgress(view);
            const who = chunk.error.backend ? ` (${chunk.error.backend})` : "";
            if (chunk.error.code === "no_backend_answered") showError(view, chunk.error.message, text);
            else showError(view, "The answer broke off" + who + ": " + chunk.error.message, text);
            return;
          }
          if (chunk.agent_host) { report = chunk.agent_host; setBadge(view, report.backend, report); }
          const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
          if (delta && (delta.content || delta.tool_calls)) clearProgress(view);
          if (delta && delta.content) {
            answer += delta.content;
            scheduleRender(view, answer);
          }
          if (delta && delta.tool_calls) {
            answer += delta.tool_calls.map((c) => `[tool call: ${c.function.name}(${c.function.arguments})]`).join("\n");
            scheduleRender(view, answer);
          }
        }
      }
      if (!done) { showError(view, "The answer was cut off before it finished.", text); return; }
      history.push({ role: "user", content: text }, { role: "assistant", content: answer });
    } catch (e) {
      if (e.name === "AbortError") showError(view, "Stopped. This turn was not kept.", text);
      else showError(view, "Could not reach the host: " + e.message, text);
    } finally {
      clearProgress(view);
      flushRender(view);
      view.msg.classList.remove("pending");
      setRunning(null);
      input.focus();
      loadConversations();
    }
  }

  /** The host could not store the turn (its database is down or full): the answer stands, a note says it was not saved. */
  function showStoreError(view, message) {
    const note = el("div", "store-error", "Not saved: " + message);
    view.msg.append(note);
  }

  /** Fills the sidebar from /v1/conversations: newest first, each with its title, time, and a delete button. */
  async function loadConversations() {
    let data;
    try {
      const res = await fetch("v1/conversations", { headers: headers(), cache: "no-store" });
      if (res.status === 401) { list.replaceChildren(); listNote.textContent = "API key needed to see stored conversations."; return; }
      const body = await res.json().catch(() => null);
      if (!res.ok) { listNote.textContent = (body && body.error && body.error.message) || `HTTP ${res.status}`; return; }
      data = (body && body.data) || [];
    } catch (e) {
      listNote.textContent = "host unreachable";
      return;
    }
    listNote.textContent = data.length ? "" : "No stored conversations yet.";
    list.replaceChildren(...data.map((c) => {
      const item = el("li", "conversation");
      item.dataset.id = c.id;
      item.classList.toggle("current", c.id === conversationId);
      const open = el("button", "open ghost");
      open.type = "button";
      open.title = c.title;
      const when = el("time", "when", new Date(c.updated_at).toLocaleString([], { dateStyle: "short", timeStyle: "short" }));
      when.dateTime = c.updated_at;
      open.append(el("span", "title", c.title || c.id), when);
      open.addEventListener("click", () => resume(c.id));
      const remove = el("button", "delete ghost", "×");
      remove.type = "button";
      remove.title = "Delete this conversation";
      remove.setAttribute("aria-label", "Delete conversation " + (c.title || c.id));
      remove.addEventListener("click", () => removeConversation(c.id));
      item.append(open, remove);
      return item;
    }));
  }

  /** Shows stored conversation id (from /v1/conversations/{id}) and continues it; only complete turns go back as history. */
  async function resume(id) {
    if (running) running.abort();
    history.length = 0;
    log.replaceChildren();
    setConversation(id);
    let conversation = null;
    try {
      const res = await fetch("v1/conversations/" + encodeURIComponent(id), { headers: headers(), cache: "no-store" });
      if (res.ok) conversation = await res.json();
      else if (res.status !== 404) listNote.textContent = `Could not load the conversation: HTTP ${res.status}`;
    } catch (e) {
      listNote.textContent = "Could not load the conversation: " + e.message;
    }
    const messages = (conversation && conversation.messages) || [];
    for (let i = 0; i + 1 < messages.length; i += 2) {
      const [question, answer] = [messages[i], messages[i + 1]];
      addMessage("user", question.content);
      const view = addMessage("assistant", "");
      view.text = answer.content;
      flushRender(view);
      if (answer.backend) setBadge(view, answer.backend, { model: answer.model });
      if (answer.status === "complete") {
        history.push({ role: "user", content: question.content }, { role: "assistant", content: answer.content });
      } else {
        view.msg.classList.add("failed", answer.status);
        const box = el("div", "error", (answer.status === "interrupted" ? "This answer was cut off" : "No answer")
          + (answer.error ? ": " + answer.error : "") + " (not sent back to the model)");
        view.msg.append(box);
      }
    }
    input.focus();
  }

  function newConversation() {
    if (running) running.abort();
    history.length = 0;
    log.replaceChildren();
    setConversation(newConversationId());
    input.focus();
  }

  async function removeConversation(id) {
    try {
      const res = await fetch("v1/conversations/" + encodeURIComponent(id), { method: "DELETE", headers: headers() });
      if (!res.ok && res.status !== 404) {
        const body = await res.json().catch(() => null);
        listNote.textContent = (body && body.error && body.error.message) || `HTTP ${res.status}`;
        return;
      }
    } catch (e) {
      listNote.textContent = "Could not delete: " + e.message;
      return;
    }
    if (id === conversationId) newConversation();
    await loadConversations();
  }

  async function pollHealth() {
    const strip = $("health");
    try {
      const res = await fetch("health", { headers: headers(), cache: "no-store" });
      if (res.status === 401) {
        strip.replaceChildren(el("span", "pill pill-muted", "API key needed to see backends"));
        return;
      }
      const body = await res.json();
      const pills = (body.backends || []).map((b) => {
        const pill = el("span", "pill");
        pill.dataset.backend = b.name;
        pill.dataset.state = b.health;
        pill.append(el("strong", null, b.name), el("span", "state", b.health));
        pill.title = [b.server, b.endpoint, b.model, b.reason].filter(Boolean).join(" · ");
        return pill;
      });
      strip.replaceChildren(...pills);
    } catch (e) {
      strip.replaceChildren(el("span", "pill pill-muted", "host unreachable"));
    }
  }

  /** Fills the route selector from /v1/models: auto (no model), then the routes, then the models; keeps the choice. */
  async function loadRoutes() {
    const chosen = routeSelect.value;
    let data = [];
    try {
      const res = await fetch("v1/models", { headers: headers(), cache: "no-store" });
      if (res.ok) data = (await res.json()).data || [];
    } catch (e) { /* the selector keeps "auto" */ }
    const auto = el("option", null, "auto");
    auto.value = "";
    const groups = [["route", "Routes"], ["model", "Models"]].map(([kind, label]) => {
      const group = document.createElement("optgroup");
      group.label = label;
      for (const m of data.filter((d) => (d.agent_host && d.agent_host.kind) === kind)) {
        const backends = (m.agent_host.backends || []).join(", ");
        const option = el("option", null, kind === "route" ? m.id + (backends ? ` (${backends})` : "") : m.id + (backends ? ` · ${backends}` : ""));
        option.value = m.id;
        option.title = m.agent_host.description || backends;
        group.append(option);
      }
      return group;
    }).filter((g) => g.children.length);
    routeSelect.replaceChildren(auto, ...groups);
    routeSelect.value = [...routeSelect.options].some((o) => o.value === chosen) ? chosen : "";
    routeSelect.dataset.loaded = "true";
  }

  function openKeyPanel(note) {
    keyPanel.hidden = false;
    keyToggle.setAttribute("aria-expanded", "true");
    keyNote.textContent = note || "";
    keyInput.focus();
  }

  keyToggle.addEventListener("click", () => {
    if (keyPanel.hidden) openKeyPanel(""); else { keyPanel.hidden = true; keyToggle.setAttribute("aria-expanded", "false"); }
  });
  keyPanel.addEventListener("submit", (e) => {
    e.preventDefault();
    const key = keyInput.value.trim();
    if (key) sessionStorage.setItem(KEY_STORAGE, key); else sessionStorage.removeItem(KEY_STORAGE);
    keyNote.textContent = key ? "Saved for this tab." : "Cleared.";
    pollHealth();
    loadRoutes();
    loadConversations();
  });
  keyInput.value = sessionStorage.getItem(KEY_STORAGE) || "";

  $("new-chat").addEventListener("click", newConversation);

  send.addEventListener("click", (e) => { if (running) { e.preventDefault(); running.abort(); } });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text || running) return;
    input.value = "";
    turn(text);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });

  pollHealth();
  loadRoutes();
  const stored = localStorage.getItem(CONVERSATION_STORAGE);
  if (stored && /^[A-Za-z0-9._:-]{1,128}$/.test(stored)) resume(stored); else setConversation(newConversationId());
  loadConversations();
  setInterval(pollHealth, HEALTH_EVERY_MS);
  input.focus();
})();
