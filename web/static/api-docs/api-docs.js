// The API reference: every operation of /api/v1/openapi.json, with its parameters, body and
// answers, and the schemas they name. No library and no CDN: the CSP forbids both.
"use strict";

(function () {
  const main = document.getElementById("operations");
  const filter = document.getElementById("filter");
  const url = document.getElementById("document").getAttribute("href");

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const child of children) node.append(child instanceof Node ? child : String(child));
    return node;
  }

  function resolve(doc, node) {
    while (node && node.$ref) {
      node = node.$ref.slice(2).split("/").reduce((at, part) => at[part], doc);
    }
    return node;
  }

  // A schema with its $refs replaced by what they name (once each, so cycles end).
  function expand(doc, schema, seen) {
    if (Array.isArray(schema)) return schema.map((item) => expand(doc, item, seen));
    if (!schema || typeof schema !== "object") return schema;
    if (schema.$ref) {
      if (seen.has(schema.$ref)) return { $ref: schema.$ref };
      const inner = new Set(seen);
      inner.add(schema.$ref);
      return expand(doc, resolve(doc, schema), inner);
    }
    const out = {};
    for (const [key, value] of Object.entries(schema)) out[key] = expand(doc, value, seen);
    return out;
  }

  function schemaBlock(doc, schema) {
    return el("pre", {}, JSON.stringify(expand(doc, schema, new Set()), null, 2));
  }

  function parameters(doc, operation) {
    const rows = (operation.parameters || []).map((p) => resolve(doc, p));
    if (!rows.length) return el("p", { class: "muted" }, "无参数 / No parameters");
    const table = el("table", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "in"),
      el("th", {}, "required"), el("th", {}, "schema"), el("th", {}, "description")));
    for (const p of rows) {
      table.append(el("tr", {}, el("td", {}, p.name), el("td", {}, p.in),
        el("td", {}, p.required ? "yes" : ""), el("td", {}, JSON.stringify(p.schema)),
        el("td", {}, p.description || "")));
    }
    return table;
  }

  function operationBlock(doc, path, method, operation) {
    const body = el("div", { class: "body" });
    if (operation.description) body.append(el("p", {}, operation.description));
    body.append(el("p", { class: "muted" }, "operationId: " + operation.operationId +
      (operation.security && !operation.security.length ? " · 无需令牌 / no token" : " · Bearer")));
    body.append(el("h4", {}, "参数 / Parameters"), parameters(doc, operation));
    if (operation.requestBody) {
      body.append(el("h4", {}, "请求体 / Body"));
      for (const [media, content] of Object.entries(operation.requestBody.content)) {
        body.append(el("p", {}, media), schemaBlock(doc, content.schema));
      }
    }
    body.append(el("h4", {}, "应答 / Responses"));
    for (const [code, raw] of Object.entries(operation.responses)) {
      const response = resolve(doc, raw);
      body.append(el("p", {}, el("strong", {}, code), " " + response.description));
      const json = response.content && response.content["application/json"];
      if (json && code.startsWith("2")) body.append(schemaBlock(doc, json.schema));
    }
    const title = el("summary", {}, el("span", { class: "method " + method }, method.toUpperCase()),
      path + "  ", el("span", { class: "muted" }, operation.summary || ""));
    const block = el("details", {}, title, body);
    block.dataset.search = [path, method, operation.operationId, (operation.tags || []).join(" "),
      operation.summary].join(" ").toLowerCase();
    return block;
  }

  fetch(url, { headers: { Accept: "application/json" } })
    .then((response) => response.json())
    .then((doc) => {
      main.textContent = "";
      main.append(el("p", {}, doc.info.description || ""));
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          main.append(operationBlock(doc, path, method, operation));
        }
      }
      filter.addEventListener("input", () => {
        const words = filter.value.toLowerCase().trim();
        for (const block of main.querySelectorAll("details")) {
          block.hidden = Boolean(words) && !block.dataset.search.includes(words);
        }
      });
    })
    .catch(() => {
      main.textContent = "文档读取失败 / The document could not be read";
    });
})();
