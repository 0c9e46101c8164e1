// The API descriptions as one readable HTML page, rendered on the server from the OpenAPI and AsyncAPI
// documents it is given: routes grouped by tag, their parameters, bodies and answers, then the STOMP
// destinations and their messages, each schema as a table. Every value is escaped; no script, no inline
// style (the page's stylesheet is served beside it), so it passes the page CSP as it is.
import { escapeHtml } from './escape-html.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const objectAt = (value: unknown, key: string): Json => {
  const found = isObject(value) ? value[key] : undefined;
  return isObject(found) ? found : {};
};
const stringAt = (value: unknown, key: string): string => {
  const found = isObject(value) ? value[key] : undefined;
  return typeof found === 'string' ? found : '';
};
const arrayAt = (value: unknown, key: string): unknown[] => {
  const found = isObject(value) ? value[key] : undefined;
  return Array.isArray(found) ? found : [];
};

/** `code` spans for backticked words; everything else escaped. */
function prose(text: string): string {
  return text
    .split('`')
    .map((part, i) => (i % 2 === 1 ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part)))
    .join('');
}

const anchor = (text: string): string => text.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** A short type: `string`, `integer 1–100`, `Room`, `array of User`, `"a" | "b"`. */
function typeOf(schema: unknown): string {
  if (!isObject(schema)) return 'any';
  const ref = stringAt(schema, '$ref');
  if (ref !== '') {
    const name = ref.split('/').at(-1) ?? ref;
    return `<a href="#schema-${escapeHtml(anchor(name))}">${escapeHtml(name)}</a>`;
  }
  if ('const' in schema) return `<code>${escapeHtml(JSON.stringify(schema.const))}</code>`;
  const values = arrayAt(schema, 'enum');
  if (values.length > 0)
    return values.map((v) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(' | ');
  const variants = [...arrayAt(schema, 'anyOf'), ...arrayAt(schema, 'oneOf')];
  if (variants.length > 0) return variants.map(typeOf).join(' or ');
  const type = schema.type;
  const types = Array.isArray(type) ? type.map(String) : typeof type === 'string' ? [type] : [];
  if (types.length === 0) return 'any';
  return types
    .map((t) => {
      if (t === 'array') return `array of ${typeOf(schema.items)}`;
      const bounds: string[] = [];
      for (const [key, label] of [
        ['minimum', '≥'],
        ['maximum', '≤'],
        ['minLength', 'min length'],
        ['maxLength', 'max length'],
      ] as const) {
        const bound = schema[key];
        if (typeof bound === 'number' && bound !== Number.MAX_SAFE_INTEGER) bounds.push(`${label} ${bound}`);
      }
      if (typeof schema.default !== 'undefined') bounds.push(`default ${JSON.stringify(schema.default)}`);
      return bounds.length === 0 ? escapeHtml(t) : `${escapeHtml(t)} (${escapeHtml(bounds.join(', '))})`;
    })
    .join(' or ');
}

/** An object's fields as a table; nested objects (and arrays of them) get their own table below. */
function schemaTable(schema: unknown, caption: string, depth = 0): string {
  if (!isObject(schema)) return '';
  const variants = arrayAt(schema, 'oneOf');
  if (variants.length > 0) {
    return variants.map((v, i) => schemaTable(v, `${caption}, variant ${i + 1}`, depth)).join('');
  }
  const properties = objectAt(schema, 'properties');
  const names = Object.keys(properties);
  if (names.length === 0) return `<p>${escapeHtml(caption)}: ${typeOf(schema)}</p>`;
  const required = new Set(arrayAt(schema, 'required').map(String));
  const rows = names
    .map((name) => {
      const field = properties[name];
      return `<tr><th scope="row"><code>${escapeHtml(name)}</code></th><td>${typeOf(field)}</td><td>${
        required.has(name) ? 'yes' : 'no'
      }</td><td>${prose(stringAt(field, 'description'))}</td></tr>`;
    })
    .join('');
  const nested =
    depth >= 3
      ? ''
      : names
          .map((name) => {
            const field = properties[name];
            const inner = isObject(field) && field.type === 'array' ? field.items : field;
            return isObject(inner) && isObject(inner.properties)
              ? schemaTable(inner, `${caption} › ${name}`, depth + 1)
              : '';
          })
          .join('');
  return `<table><caption>${escapeHtml(caption)}</caption><thead><tr><th scope="col">field</th><th scope="col">type</th><th scope="col">required</th><th scope="col">about</th></tr></thead><tbody>${rows}</tbody></table>${nested}`;
}

function operationHtml(method: string, path: string, operation: Json): string {
  const id = `op-${anchor(`${method} ${path}`)}`;
  const parameters = arrayAt(operation, 'parameters').filter(isObject);
  const security = arrayAt(operation, 'security').filter(isObject);
  const auth =
    security.length === 0 ? 'none' : security.map((s) => Object.keys(s).join(' + ') || 'none').join(' or ');
  const params =
    parameters.length === 0
      ? ''
      : `<table><caption>Parameters</caption><thead><tr><th scope="col">name</th><th scope="col">in</th><th scope="col">type</th><th scope="col">required</th></tr></thead><tbody>${parameters
          .map(
            (p) =>
              `<tr><th scope="row"><code>${escapeHtml(stringAt(p, 'name'))}</code></th><td>${escapeHtml(
                stringAt(p, 'in'),
              )}</td><td>${typeOf(p.schema)}</td><td>${p.required === true ? 'yes' : 'no'}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  const bodySchema = objectAt(
    objectAt(objectAt(operation, 'requestBody'), 'content'),
    'application/json',
  ).schema;
  const body = bodySchema === undefined ? '' : schemaTable(bodySchema, 'Request body (JSON)');
  const responses = Object.entries(objectAt(operation, 'responses'))
    .map(([status, response]) => {
      const content = objectAt(response, 'content');
      const media = Object.keys(content);
      const schema = objectAt(content, 'application/json').schema;
      const codes = arrayAt(
        objectAt(objectAt(objectAt(arrayAt(schema, 'allOf')[1], 'properties'), 'error'), 'properties').code,
        'enum',
      );
      const shape =
        codes.length > 0
          ? `error ${codes.map((c) => `<code>${escapeHtml(String(c))}</code>`).join(', ')}`
          : schema !== undefined
            ? typeOf(schema)
            : escapeHtml(media.join(', '));
      const about = stringAt(response, 'description')
        .split('\n')
        .map((line) => prose(line))
        .join('<br>');
      return `<tr><th scope="row">${escapeHtml(status)}</th><td>${shape}</td><td>${about}</td></tr>`;
    })
    .join('');
  return `<section class="operation" id="${escapeHtml(id)}" aria-labelledby="${escapeHtml(id)}-h">
<h4 id="${escapeHtml(id)}-h"><span class="method">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h4>
<p>${prose(stringAt(operation, 'summary'))}</p>
<p>Authentication: ${escapeHtml(auth)}</p>
${params}${body}
<table><caption>Responses</caption><thead><tr><th scope="col">status</th><th scope="col">body</th><th scope="col">when</th></tr></thead><tbody>${responses}</tbody></table>
</section>`;
}

function openApiHtml(doc: Json): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(objectAt(doc, 'paths'))) {
    for (const [method, operation] of Object.entries(isObject(item) ? item : {})) {
      if (!isObject(operation)) continue;
      const tag = String(arrayAt(operation, 'tags')[0] ?? 'other');
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, operation)]);
    }
  }
  const schemas = Object.entries(objectAt(objectAt(doc, 'components'), 'schemas'))
    .map(
      ([name, schema]) =>
        `<section id="schema-${escapeHtml(anchor(name))}"><h4>${escapeHtml(name)}</h4>${schemaTable(schema, name)}</section>`,
    )
    .join('\n');
  return `<section aria-labelledby="http-h"><h2 id="http-h">HTTP API</h2>
<p>${prose(stringAt(objectAt(doc, 'info'), 'description'))} Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI ${escapeHtml(stringAt(doc, 'openapi'))}).</p>
${[...byTag]
  .map(
    ([tag, operations]) =>
      `<section aria-labelledby="tag-${escapeHtml(anchor(tag))}"><h3 id="tag-${escapeHtml(anchor(tag))}">${escapeHtml(tag)}</h3>${operations.join('\n')}</section>`,
  )
  .join('\n')}
<section aria-labelledby="schemas-h"><h3 id="schemas-h">Answers</h3>${schemas}</section>
</section>`;
}

function asyncApiHtml(doc: Json): string {
  const channels = objectAt(doc, 'channels');
  const messages = objectAt(objectAt(doc, 'components'), 'messages');
  const byFrame = new Map<string, string[]>();
  for (const operation of Object.values(objectAt(doc, 'operations')).filter(isObject)) {
    const stomp = objectAt(operation, 'x-parley-stomp');
    const channelId = stringAt(objectAt(operation, 'channel'), '$ref').split('/').at(-1) ?? '';
    const channel = objectAt(channels, channelId);
    const frame = stringAt(stomp, 'frame');
    const destination = stringAt(stomp, 'destination');
    const id = `dest-${anchor(`${frame} ${destination}`)}`;
    const headers = schemaTable(stomp.headers, `${frame} headers`);
    const bodies = Object.values(objectAt(channel, 'messages'))
      .map((ref) => {
        const key = stringAt(ref, '$ref').split('/').at(-1) ?? '';
        const message = objectAt(messages, key);
        const name = stringAt(message, 'name');
        const messageHeaders = isObject(message.headers)
          ? schemaTable(message.headers, `${name}: headers`)
          : '';
        return `<h5>${escapeHtml(name)} <small>${escapeHtml(stringAt(message, 'contentType'))}</small></h5><p>${prose(
          stringAt(message, 'summary'),
        )}</p>${messageHeaders}${schemaTable(message.payload, `${name}: body`)}`;
      })
      .join('');
    const errors = arrayAt(stomp, 'errors').filter(isObject);
    const refusals =
      errors.length === 0
        ? ''
        : `<p>Refusals on <code>/user/queue/errors</code>: ${errors
            .map((e) => `<code>${escapeHtml(stringAt(e, 'code'))}</code>`)
            .join(', ')}</p>`;
    const html = `<section class="operation" id="${escapeHtml(id)}" aria-labelledby="${escapeHtml(id)}-h">
<h4 id="${escapeHtml(id)}-h"><span class="method">${escapeHtml(frame)}</span> <code>${escapeHtml(destination)}</code></h4>
<p>${prose(stringAt(operation, 'summary'))}</p>${headers}${bodies}${refusals}</section>`;
    byFrame.set(frame, [...(byFrame.get(frame) ?? []), html]);
  }
  const groups = [...byFrame]
    .map(
      ([frame, sections]) =>
        `<section aria-labelledby="frame-${escapeHtml(anchor(frame))}"><h3 id="frame-${escapeHtml(anchor(frame))}">${escapeHtml(
          frame === 'SEND' ? 'SEND: what clients send' : `${frame}: what clients receive`,
        )}</h3>${sections.join('\n')}</section>`,
    )
    .join('\n');
  return `<section aria-labelledby="stomp-h"><h2 id="stomp-h">STOMP API</h2>
<p>${prose(stringAt(objectAt(doc, 'info'), 'description'))} Machine-readable: <a href="/api/asyncapi.json">/api/asyncapi.json</a> (AsyncAPI ${escapeHtml(stringAt(doc, 'asyncapi'))}).</p>
${groups}</section>`;
}

/** The whole page. */
export function renderApiDocsPage(openApi: Json, asyncApi: Json): string {
  const title = `Parley API ${stringAt(objectAt(openApi, 'info'), 'version')}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/api/docs.css">
</head>
<body>
<header><h1>${escapeHtml(title)}</h1>
<nav aria-label="Contents"><a href="#http-h">HTTP API</a> · <a href="#stomp-h">STOMP API</a></nav></header>
<main>
${openApiHtml(openApi)}
${asyncApiHtml(asyncApi)}
</main>
</body>
</html>
`;
}

/** The page's stylesheet (served at /api/docs.css: the CSP allows no inline style). */
export const API_DOCS_CSS = `body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem;color:#1a1a1a;background:#fff}
code{font-family:ui-monospace,monospace;background:#f3f3f3;padding:0 .2em;border-radius:3px}
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
thead th{background:#f0f0f0}
.operation{border-top:1px solid #ddd;padding-top:.5rem;margin-top:1rem}
.method{display:inline-block;min-width:5.5em;font-weight:700;color:#fff;background:#2b5797;border-radius:3px;padding:0 .4em;text-align:center}
a{color:#0645ad}
@media (prefers-color-scheme:dark){body{background:#151515;color:#e8e8e8}code{background:#2a2a2a}thead th{background:#262626}th,td{border-color:#444}a{color:#8ab4f8}}
`;
