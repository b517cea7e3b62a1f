// お互いさま sandbox chat page: one column per simulated person, live through the
// control API's events long poll. Plain JS, no build step, no network beyond this server.
"use strict";

const API = "/sandbox/api";
const HIDDEN_KEY = "otagai-sandbox-hidden";
const SHOWN_KEY = "otagai-sandbox-shown";  // folded people someone chose to show
const CHAT_KEY = "otagai-sandbox-chat-";
const PRESENT = new Set(["creator", "administrator", "member"]);

const store = {
  bot: null,
  users: new Map(),      // user id -> User
  chats: new Map(),      // chat id -> chat (with members, bot_status)
  messages: new Map(),   // chat id -> Map(message id -> message), only for loaded chats
  loading: new Map(),    // chat id -> Promise of the initial load
  columns: new Map(),    // user id -> Column
  pressed: new Map(),    // callback_query id -> {column, button}
  hidden: new Set(JSON.parse(localStorage.getItem(HIDDEN_KEY) || "[]")),
  shown: new Set(JSON.parse(localStorage.getItem(SHOWN_KEY) || "[]")),
  timeZone: "Asia/Tokyo",  // the bot's zone, from the state: times as the bot says them
  seq: 0,
};

// ------------------------------------------------------------------ helpers
async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, options);
  const data = await response.json();
  if (!response.ok) {
    throw new Error(data.error || response.statusText);
  }
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function setStatus(text) {
  document.getElementById("status").textContent = text;
}

function userName(user) {
  if (!user) return "?";
  return [user.first_name, user.last_name].filter(Boolean).join(" ");
}

function chatTitle(chat) {
  if (chat.type === "private") {
    const botName = store.bot ? store.bot.first_name : "Bot";
    return `個人チャット: ${botName}`;
  }
  return `グループ: ${chat.title}`;
}

function timeOf(unix) {
  const date = new Date(unix * 1000);
  return date.toLocaleTimeString("ja-JP", { hour: "2-digit", minute: "2-digit", timeZone: store.timeZone });
}

// A person's column shows unless hidden; the demo's background people start folded.
function isHidden(user) {
  return store.hidden.has(user.id) || (Boolean(user.sandbox_folded) && !store.shown.has(user.id));
}

// The people of the demo first (in creation order), then everyone folded.
function orderedUsers() {
  const users = [...store.users.values()];
  return [...users.filter((u) => !u.sandbox_folded), ...users.filter((u) => u.sandbox_folded)];
}

// A t.me deep link to our bot: Telegram opens the private chat and sends /start PAYLOAD.
function deepLinkPayload(href) {
  if (!store.bot) return null;
  let url;
  try {
    url = new URL(href, location.href);
  } catch (error) {
    return null;
  }
  const username = store.bot.username.toLowerCase();
  const isTme = ["t.me", "telegram.me", "www.t.me"].includes(url.hostname) &&
    url.pathname.replace(/\/+$/, "").toLowerCase() === `/${username}`;
  const isTg = url.protocol === "tg:" &&
    (url.searchParams.get("domain") || "").toLowerCase() === username;
  if (!isTme && !isTg) return null;
  return url.searchParams.get("start") || "";
}

// ---------------------------------------------------------- message rendering
const HTML_TAGS = {
  b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
  code: "code", pre: "pre", blockquote: "blockquote",
};

function safeHref(href) {
  try {
    const url = new URL(href, location.href);
    return ["http:", "https:", "tg:", "mailto:"].includes(url.protocol) ? url.href : null;
  } catch (error) {
    return null;
  }
}

function makeLink(href, column) {
  const safe = safeHref(href);
  if (!safe) return el("span");
  const link = el("a", { href: safe, target: "_blank", rel: "noopener noreferrer" });
  link.addEventListener("click", (event) => {
    const payload = deepLinkPayload(safe);
    if (payload !== null) {
      event.preventDefault();
      column.openDeepLink(payload);
    }
  });
  return link;
}

function spoiler() {
  const node = el("span", { class: "spoiler", title: "ネタバレ（クリックで表示）" });
  node.addEventListener("click", () => node.classList.add("revealed"));
  return node;
}

// Rebuild Telegram HTML with an allow-list: anything else becomes its text content.
function sanitizedHtml(source, column) {
  const parsed = new DOMParser().parseFromString(`<body>${source}</body>`, "text/html");
  const out = document.createDocumentFragment();
  const walk = (from, into) => {
    for (const node of from.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) {
        into.append(node.textContent);
        continue;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      const tag = node.tagName.toLowerCase();
      let target = null;
      if (HTML_TAGS[tag]) target = el(HTML_TAGS[tag]);
      else if (tag === "a" && node.getAttribute("href")) target = makeLink(node.getAttribute("href"), column);
      else if (tag === "tg-spoiler" || (tag === "span" && node.classList.contains("tg-spoiler"))) target = spoiler();
      if (target) {
        walk(node, target);
        into.append(target);
      } else {
        walk(node, into);
      }
    }
  };
  walk(parsed.body, out);
  return out;
}

function entityElement(entity, text, column) {
  switch (entity.type) {
    case "bold": return el("b");
    case "italic": return el("i");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "spoiler": return spoiler();
    case "code": return el("code");
    case "pre": return el("pre");
    case "blockquote":
    case "expandable_blockquote": return el("blockquote");
    case "text_link": return makeLink(entity.url, column);
    case "url": return makeLink(text, column);
    case "bot_command": {
      const node = el("span", { class: "command", title: "クリックで送信" });
      node.addEventListener("click", () => column.sendText(text.split("@")[0]));
      return node;
    }
    default: return el("span");
  }
}

// Entities use UTF-16 offsets, which is exactly how JS strings index: no conversion needed.
function renderEntities(text, entities, column) {
  const root = document.createDocumentFragment();
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  const stack = [{ node: root, end: text.length }];
  let pos = 0;
  const top = () => stack[stack.length - 1];
  const flush = (upto) => {
    if (upto > pos) {
      top().node.append(text.slice(pos, upto));
      pos = upto;
    }
  };
  for (const entity of sorted) {
    while (stack.length > 1 && top().end <= entity.offset) {
      flush(top().end);
      stack.pop();
    }
    flush(entity.offset);
    const end = Math.min(entity.offset + entity.length, top().end);
    const node = entityElement(entity, text.slice(entity.offset, end), column);
    top().node.append(node);
    stack.push({ node, end });
  }
  while (stack.length > 1) {
    flush(top().end);
    stack.pop();
  }
  flush(text.length);
  return root;
}

function renderBody(message, column) {
  const body = el("div", { class: "body" });
  if (message.sandbox_html) {
    body.append(sanitizedHtml(message.sandbox_html, column));
  } else if (message.text !== undefined) {
    body.append(renderEntities(message.text, message.entities, column));
  } else if (message.caption !== undefined) {
    body.append(renderEntities(message.caption, message.caption_entities, column));
  }
  return body;
}

function renderKeyboard(message, column) {
  const rows = (message.reply_markup && message.reply_markup.inline_keyboard) || [];
  if (!rows.length) return null;
  const keyboard = el("div", { class: "keyboard" });
  for (const row of rows) {
    const line = el("div", { class: "kb-row" });
    for (const button of row) {
      const node = el("button", {
        type: "button",
        "data-testid": "inline-button",
        "data-callback-data": button.callback_data,
        "data-url": button.url,
        class: button.url ? "url" : undefined,
        text: button.text,
      });
      node.addEventListener("click", () => column.pressButton(message, button, node));
      line.append(node);
    }
    keyboard.append(line);
  }
  return keyboard;
}

function renderMessage(message, column) {
  const sender = message.from || {};
  const from = sender.is_bot ? "bot" : sender.id === column.user.id ? "me" : "other";
  const node = el("div", {
    class: "msg",
    "data-testid": "message",
    "data-from": from,
    "data-message-id": message.message_id,
    "data-chat-id": message.chat.id,
  });
  if (message.chat.type !== "private" && from !== "me") {
    node.append(el("div", { class: "sender", text: sender.is_bot ? sender.first_name : userName(sender) }));
  }
  if (message.reply_to_message) {
    const quoted = message.reply_to_message.text || message.reply_to_message.caption || "";
    node.append(el("div", { class: "reply-quote", text: quoted.slice(0, 80) }));
  }
  if (message.photo && message.photo.length) {
    const largest = message.photo[message.photo.length - 1];
    const src = `/sandbox/files/${encodeURIComponent(largest.file_id)}`;
    // A chart is read at full size: the picture opens in a new tab.
    node.append(el("a", { href: src, target: "_blank", rel: "noopener", title: "大きく表示 (open full size)", "data-testid": "photo-link" },
      el("img", { class: "photo", src, alt: message.caption || "写真", "data-testid": "photo" })));
  }
  if (message.document) {
    const name = message.document.file_name || "ファイル";
    node.append(el("a", {
      class: "document",
      href: `/sandbox/files/${encodeURIComponent(message.document.file_id)}`,
      download: name,
      "data-testid": "document",
      text: `📄 ${name}`,
    }));
  }
  node.append(renderBody(message, column));
  const keyboard = renderKeyboard(message, column);
  if (keyboard) node.append(keyboard);
  const meta = timeOf(message.date) + (message.edit_date ? " · 編集済み" : "");
  node.append(el("div", { class: "meta", text: meta }));
  return node;
}

// ------------------------------------------------------------------ data
function loadChat(chatId) {
  if (store.messages.has(chatId)) return Promise.resolve(store.messages.get(chatId));
  if (!store.loading.has(chatId)) {
    const promise = api("GET", `/chats/${chatId}/messages?after=0`).then((list) => {
      const map = store.messages.get(chatId) || new Map();
      for (const message of list) {
        // An event may have arrived while loading; keep whichever copy is newer.
        const known = map.get(message.message_id);
        if (!known || (known.sandbox_edit_count || 0) <= (message.sandbox_edit_count || 0)) {
          map.set(message.message_id, message);
        }
      }
      store.messages.set(chatId, map);
      store.loading.delete(chatId);
      return map;
    });
    store.loading.set(chatId, promise);
  }
  return store.loading.get(chatId);
}

function chatsOf(user) {
  const result = [];
  for (const chat of store.chats.values()) {
    if (chat.type === "private") {
      if (chat.id === user.id) result.unshift(chat);
    } else if (PRESENT.has((chat.members || {})[String(user.id)])) {
      result.push(chat);
    }
  }
  return result;
}

// ------------------------------------------------------------------ column
class Column {
  constructor(user) {
    this.user = user;
    const saved = Number(localStorage.getItem(CHAT_KEY + user.id));
    this.chatId = saved && store.chats.has(saved) ? saved : user.id;
    this.name = el("span", { class: "name" });
    this.caption = el("div", { class: "caption", "data-testid": "caption" });
    this.blockButton = el("button", { type: "button", class: "block-toggle", "data-testid": "block-toggle" });
    this.blockButton.addEventListener("click", () => this.toggleBlocked());
    this.select = el("select", { "data-testid": "chat-select", "aria-label": "チャットを選ぶ" });
    this.select.addEventListener("change", () => this.switchTo(Number(this.select.value)));
    this.list = el("div", { class: "messages", "data-testid": "messages", "aria-live": "polite" });
    // Follow new messages unless the person scrolled up to read older ones.
    this.stick = true;
    this.autoTop = -1;
    this.list.addEventListener("scroll", () => {
      if (this.list.scrollTop === this.autoTop) return;  // our own follow(), not the person
      this.stick = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 60;
    });
    this.list.addEventListener("load", () => this.follow(), true);  // images change heights
    new ResizeObserver(() => this.follow()).observe(this.list);
    this.toasts = el("div", { class: "toasts" });
    this.replyKeyboard = el("div", { class: "reply-keyboard", "data-testid": "reply-keyboard" });
    this.input = el("textarea", {
      rows: 1,
      placeholder: "メッセージを入力…",
      title: "Enterで送信、Shift+Enterで改行",
      "data-testid": "composer",
      "aria-label": `${userName(user)}として送信するメッセージ`,
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    const send = el("button", { type: "button", "data-testid": "send", text: "送信" });
    send.addEventListener("click", () => this.submit());
    this.root = el(
      "section",
      { class: "column", "data-user-id": user.id, "data-testid": "column" },
      el("div", { class: "column-head" }, el("div", { class: "who" }, this.name, this.blockButton), this.caption, this.select),
      this.toasts,
      this.list,
      this.replyKeyboard,
      el("div", { class: "composer" }, this.input, send),
    );
    this.refreshHeader();
  }

  refreshHeader() {
    this.user = store.users.get(this.user.id) || this.user;
    const handle = this.user.username ? ` @${this.user.username}` : "";
    this.name.textContent = `${userName(this.user)}${handle} · ${this.user.language_code || ""}`;
    this.caption.textContent = this.user.sandbox_caption || "";
    this.caption.hidden = !this.user.sandbox_caption;
    const blocked = Boolean(this.user.sandbox_blocked);
    this.root.classList.toggle("blocked", blocked);
    this.blockButton.textContent = blocked ? "ブロック解除" : "ボットをブロック";
    const chats = chatsOf(this.user);
    if (!chats.some((chat) => chat.id === this.chatId)) this.chatId = this.user.id;
    this.select.replaceChildren(...chats.map((chat) => el("option", {
      value: chat.id,
      selected: chat.id === this.chatId,
      text: chatTitle(chat),
    })));
  }

  async switchTo(chatId) {
    this.chatId = chatId;
    localStorage.setItem(CHAT_KEY + this.user.id, String(chatId));
    this.select.value = String(chatId);
    await this.render();
  }

  async render() {
    const chatId = this.chatId;
    const messages = await loadChat(chatId);
    if (chatId !== this.chatId) return;
    this.list.replaceChildren();
    for (const message of messages.values()) this.place(message);
    this.refreshReplyKeyboard();
    this.stick = true;
    this.follow();
  }

  follow() {
    if (!this.stick) return;
    this.list.scrollTop = this.list.scrollHeight;
    this.autoTop = this.list.scrollTop;
  }

  // Insert, replace in place, or remove (deleted) one message, keeping id order.
  place(message) {
    const id = String(message.message_id);
    const existing = this.list.querySelector(`[data-message-id="${id}"]`);
    if (message.sandbox_deleted) {
      if (existing) existing.remove();
      return;
    }
    const node = renderMessage(message, this);
    if (existing) {
      existing.replaceWith(node);
      return;
    }
    const later = [...this.list.children].find((child) => Number(child.dataset.messageId) > message.message_id);
    this.list.insertBefore(node, later || null);
    if (message.from.id === this.user.id) this.stick = true;
    this.follow();
  }

  refreshReplyKeyboard() {
    const messages = store.messages.get(this.chatId);
    let markup = null;
    if (messages) {
      for (const message of messages.values()) {
        if (message.from.is_bot && message.sandbox_keyboard) markup = message.sandbox_keyboard;
      }
    }
    const rows = (markup && markup.keyboard) || [];
    this.replyKeyboard.replaceChildren(...rows.flat().map((button) => {
      const text = typeof button === "string" ? button : button.text;
      const node = el("button", { type: "button", "data-testid": "reply-button", text });
      node.addEventListener("click", () => this.sendText(text));
      return node;
    }));
    this.follow();
  }

  onMessage(message) {
    if (message.chat.id !== this.chatId) return;
    this.place(message);
    this.refreshReplyKeyboard();
  }

  async submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    await this.sendText(text);
  }

  async sendText(text) {
    const body = { user_id: this.user.id, text };
    if (this.chatId !== this.user.id) body.chat_id = this.chatId;
    try {
      await api("POST", "/send", body);
    } catch (error) {
      this.toast(`送信できません: ${error.message}`, { error: true });
    }
  }

  async openDeepLink(payload) {
    await this.switchTo(this.user.id);
    await this.sendText(payload ? `/start ${payload}` : "/start");
  }

  async pressButton(message, button, node) {
    if (button.url) {
      const payload = deepLinkPayload(button.url);
      if (payload !== null) {
        await this.openDeepLink(payload);
      } else if (safeHref(button.url)) {
        window.open(safeHref(button.url), "_blank", "noopener,noreferrer");
      }
      return;
    }
    if (button.callback_data === undefined) {
      this.toast("このボタンはサンドボックスでは押せません", { error: true });
      return;
    }
    node.classList.add("busy");
    try {
      const result = await api("POST", "/press", {
        user_id: this.user.id,
        chat_id: message.chat.id,
        message_id: message.message_id,
        data: button.callback_data,
      });
      store.pressed.set(result.callback_query_id, { column: this, node });
    } catch (error) {
      node.classList.remove("busy");
      this.toast(`押せません: ${error.message}`, { error: true });
    }
  }

  onCallbackAnswer(answer, node) {
    node.classList.remove("busy");
    if (answer.text) this.toast(answer.text, { alert: answer.show_alert });
  }

  async toggleBlocked() {
    try {
      const user = await api("POST", `/users/${this.user.id}/blocked`, { blocked: !this.user.sandbox_blocked });
      store.users.set(user.id, user);
      this.refreshHeader();
    } catch (error) {
      this.toast(error.message, { error: true });
    }
  }

  toast(text, { alert = false, error = false } = {}) {
    const node = el("div", {
      class: `toast${alert ? " alert" : ""}${error ? " error" : ""}`,
      "data-testid": alert ? "alert" : "toast",
      role: alert ? "alertdialog" : "status",
    }, el("span", { text }));
    if (alert) {
      const ok = el("button", { type: "button", text: "OK" });
      ok.addEventListener("click", () => node.remove());
      node.append(ok);
    } else {
      setTimeout(() => node.remove(), 4000);
    }
    this.toasts.append(node);
  }
}

// ------------------------------------------------------------------ layout
function saveHidden() {
  localStorage.setItem(HIDDEN_KEY, JSON.stringify([...store.hidden]));
  localStorage.setItem(SHOWN_KEY, JSON.stringify([...store.shown]));
}

function renderPeoplePickers() {
  const list = document.getElementById("people-list");
  const members = document.getElementById("group-members");
  const picked = new Set([...members.querySelectorAll("input:checked")].map((input) => input.value));
  list.replaceChildren();
  members.replaceChildren();
  let foldedHeading = false;
  for (const user of orderedUsers()) {
    if (user.sandbox_folded && !foldedHeading) {
      foldedHeading = true;
      list.append(el("div", { class: "muted", text: "これまでの記録用の住民 (demo history)" }));
    }
    const show = el("input", { type: "checkbox", checked: !isHidden(user), "data-show-user-id": user.id });
    show.addEventListener("change", () => {
      if (show.checked) {
        store.hidden.delete(user.id);
        store.shown.add(user.id);
      } else {
        store.hidden.add(user.id);
        store.shown.delete(user.id);
      }
      saveHidden();
      layoutColumns();
    });
    const caption = user.sandbox_caption ? ` — ${user.sandbox_caption}` : "";
    list.append(el("label", {}, show, userName(user) + caption));
    const member = el("input", { type: "checkbox", value: user.id, checked: picked.has(String(user.id)) });
    members.append(el("label", {}, member, userName(user)));
  }
}

function layoutColumns() {
  const container = document.getElementById("columns");
  const hint = document.getElementById("empty-hint");
  for (const [userId, column] of store.columns) {
    if (!store.users.has(userId) || isHidden(store.users.get(userId))) {
      column.root.remove();
      store.columns.delete(userId);
    }
  }
  // New columns go straight to their place in creation order; existing ones are never
  // moved, because moving a node resets its scroll position.
  const ordered = orderedUsers().filter((user) => !isHidden(user)).map((user) => user.id);
  ordered.forEach((userId, index) => {
    if (store.columns.has(userId)) return;
    const column = new Column(store.users.get(userId));
    store.columns.set(userId, column);
    const next = ordered.slice(index + 1).map((id) => store.columns.get(id)).find(Boolean);
    container.insertBefore(column.root, next ? next.root : null);
    column.render();
  });
  hint.textContent = store.users.size ? "" : "まだ誰もいません。「人を追加」から始めてください。";
  hint.hidden = store.columns.size > 0;
}

async function loadState() {
  const state = await api("GET", "/state");
  store.bot = state.bot;
  store.seq = state.seq;
  store.timeZone = state.time_zone || store.timeZone;
  store.users = new Map(state.users.map((user) => [user.id, user]));
  store.chats = new Map(state.chats.map((chat) => [chat.id, chat]));
  store.messages.clear();
  store.loading.clear();
  document.getElementById("bot-info").textContent = `${state.bot.first_name} (@${state.bot.username})`;
  renderPeoplePickers();
  layoutColumns();
  for (const column of store.columns.values()) {
    column.refreshHeader();
    column.render();
  }
}

// ------------------------------------------------------------------ live events
function applyEvent(event) {
  switch (event.type) {
    case "message":
    case "edit":
    case "delete": {
      const map = store.messages.get(event.chat_id);
      if (map) map.set(event.message.message_id, event.message);
      for (const column of store.columns.values()) column.onMessage(event.message);
      break;
    }
    case "callback_answer": {
      const pressed = store.pressed.get(event.callback_answer.callback_query_id);
      if (pressed) {
        store.pressed.delete(event.callback_answer.callback_query_id);
        pressed.column.onCallbackAnswer(event.callback_answer, pressed.node);
      }
      break;
    }
    case "user": {
      const known = store.users.get(event.user.id) || {};
      store.users.set(event.user.id, { ...known, ...event.user });
      renderPeoplePickers();
      layoutColumns();
      const column = store.columns.get(event.user.id);
      if (column) column.refreshHeader();
      break;
    }
    case "chat": {
      store.chats.set(event.chat.id, event.chat);
      if (event.chat.type === "private") {
        const user = store.users.get(event.chat.id);
        if (user) user.sandbox_blocked = event.chat.bot_status === "kicked";
      }
      for (const column of store.columns.values()) column.refreshHeader();
      break;
    }
    default:
      break;
  }
}

async function pollEvents() {
  for (;;) {
    try {
      const response = await fetch(`${API}/events?after=${store.seq}&timeout=25`);
      if (!response.ok) throw new Error(response.statusText);
      const batch = await response.json();
      setStatus("");
      if (batch.reset) {
        await loadState();
        continue;
      }
      for (const event of batch.events) applyEvent(event);
      store.seq = batch.seq;
    } catch (error) {
      setStatus("サーバーに接続できません。再接続中… (reconnecting)");
      // Back off before reconnecting so a stopped sandbox does not spin the browser.
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
}

// ------------------------------------------------------------------ forms
function setupForms() {
  document.getElementById("add-person").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    try {
      await api("POST", "/users", {
        first_name: form.first_name.value.trim(),
        language_code: form.language_code.value,
      });
      form.first_name.value = "";
    } catch (error) {
      setStatus(`追加できません: ${error.message}`);
    }
  });
  document.getElementById("add-group").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const chosen = [...document.querySelectorAll("#group-members input:checked")].map((input) => input.value);
    if (!chosen.length) {
      setStatus("メンバーを一人以上選んでください");
      return;
    }
    const members = {};
    chosen.forEach((id, index) => { members[id] = index === 0 ? "creator" : "member"; });
    try {
      await api("POST", "/groups", { title: form.title.value.trim(), members });
      form.title.value = "";
    } catch (error) {
      setStatus(`追加できません: ${error.message}`);
    }
  });
}

async function main() {
  setupForms();
  for (;;) {
    try {
      await loadState();
      break;
    } catch (error) {
      setStatus("サーバーに接続できません。再接続中… (reconnecting)");
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
  pollEvents();
}

main();
