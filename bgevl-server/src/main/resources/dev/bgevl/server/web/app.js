// The bge-vl search page: plain JavaScript, no build step. Talks to /v1/search, /v1/documents and
// /v1/thumbnail with the optional bearer key kept in localStorage.
'use strict';

const $ = (id) => document.getElementById(id);
let queryImage = null;      // the File or Blob used as the query image
let previewUrl = null;
const thumbUrls = [];       // object URLs of the current grid, revoked on each new search

function apiKey() { return localStorage.getItem('bgevl.apiKey') || ''; }

function authHeaders() {
  const k = apiKey();
  return k ? { 'Authorization': 'Bearer ' + k } : {};
}

async function api(method, path, body) {
  const opts = { method, headers: authHeaders() };
  if (body instanceof FormData) {
    opts.body = body;
  } else if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  const type = res.headers.get('Content-Type') || '';
  const data = type.startsWith('application/json') ? await res.json() : null;
  if (!res.ok) {
    const msg = data && data.error ? data.error.message : res.status + ' ' + res.statusText;
    const err = new Error(res.status === 401 ? msg + ' (set the API key at the top right)' : msg);
    err.status = res.status;
    throw err;
  }
  return data;
}

function setStatus(el, text, isError) {
  el.textContent = text;
  el.classList.toggle('error', !!isError);
}

function setQueryImage(file) {
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  queryImage = file;
  const img = $('query-preview');
  if (file) {
    previewUrl = URL.createObjectURL(file);
    img.src = previewUrl;
    img.hidden = false;
    $('drop-hint').hidden = true;
    $('clear-image').hidden = false;
  } else {
    previewUrl = null;
    img.removeAttribute('src');
    img.hidden = true;
    $('drop-hint').hidden = false;
    $('clear-image').hidden = true;
    $('query-image').value = '';
  }
}

async function loadThumb(container, url) {
  try {
    const res = await fetch(url, { headers: authHeaders() });
    if (!res.ok) throw new Error(res.status);
    const u = URL.createObjectURL(await res.blob());
    thumbUrls.push(u);
    const img = document.createElement('img');
    img.alt = 'thumbnail';
    img.src = u;
    container.replaceChildren(img);
  } catch (e) {
    container.textContent = 'no preview';
  }
}

function render(data) {
  thumbUrls.splice(0).forEach((u) => URL.revokeObjectURL(u));
  const grid = $('results');
  const tpl = $('result-template');
  grid.replaceChildren();
  data.data.forEach((hit, i) => {
    const node = tpl.content.firstElementChild.cloneNode(true);
    node.dataset.id = hit.id;
    node.dataset.score = hit.score;
    node.querySelector('.rank').textContent = '#' + (i + 1);
    node.querySelector('.score').textContent = hit.score.toFixed(4);
    node.querySelector('.id').textContent = hit.id;
    node.querySelector('.text').textContent = hit.text ? '“' + hit.text + '”' : '';
    const meta = hit.metadata && Object.keys(hit.metadata).length ? JSON.stringify(hit.metadata) : '';
    node.querySelector('.meta').textContent = meta;
    const thumb = node.querySelector('.thumb');
    if (hit.thumbnail) {
      thumb.textContent = '…';
      loadThumb(thumb, hit.thumbnail);
    } else {
      thumb.classList.add('textonly');
      thumb.textContent = hit.text || '';
    }
    node.querySelector('.delete').addEventListener('click', () => removeDoc(hit.id));
    grid.appendChild(node);
  });
}

async function search(ev) {
  if (ev) ev.preventDefault();
  const text = $('query-text').value.trim();
  if (!text && !queryImage) {
    setStatus($('status'), 'Type a text, add an image, or both.', true);
    return;
  }
  const form = new FormData();
  if (queryImage) form.append('image', queryImage, queryImage.name || 'pasted.png');
  if (text) form.append('text', text);
  form.append('k', $('query-k').value || '12');
  if ($('query-min-score').value !== '') form.append('min_score', $('query-min-score').value);
  if ($('query-filter').value.trim()) form.append('filter', $('query-filter').value.trim());
  if (!$('instruction-row').hidden && $('query-instruction').value.trim()) form.append('instruction', $('query-instruction').value);
  setStatus($('status'), 'Searching…');
  const t0 = performance.now();
  try {
    const data = await api('POST', '/v1/search', form);
    render(data);
    const kind = data.query_kind;
    setStatus($('status'), data.data.length + ' results for a ' + kind + ' query in ' + Math.round(performance.now() - t0) + ' ms');
  } catch (e) {
    setStatus($('status'), e.message, true);
  }
}

async function addDoc(ev) {
  ev.preventDefault();
  const form = new FormData();
  const file = $('add-image').files[0];
  if (file) form.append('image', file, file.name);
  for (const f of ['text', 'id', 'metadata']) {
    const v = $('add-' + f).value.trim();
    if (v) form.append(f, v);
  }
  setStatus($('add-status'), 'Adding…');
  try {
    const d = await api('POST', '/v1/documents', form);
    setStatus($('add-status'), 'Added ' + d.id + ' (' + d.kind + '); the index holds ' + d.documents + ' items.');
    $('add-form').reset();
    refreshInfo();
  } catch (e) {
    setStatus($('add-status'), e.message, true);
  }
}

async function removeDoc(id) {
  if (!confirm('Delete ' + id + ' from the index?')) return;
  try {
    await api('DELETE', '/v1/documents/' + encodeURIComponent(id));
    document.querySelectorAll('.result').forEach((n) => { if (n.dataset.id === id) n.remove(); });
    setStatus($('status'), 'Deleted ' + id);
    refreshInfo();
  } catch (e) {
    setStatus($('status'), e.message, true);
  }
}

async function refreshInfo() {
  try {
    const h = await (await fetch('/health')).json();
    $('model-info').textContent = h.model + ' · ' + h.dim + '-d · ' + h.index.documents + ' items · ' + h.index.backend;
    if (h.auth && !apiKey()) $('key-box').open = true;
    if (!h.index.writable) $('add-panel').hidden = true;
    $('instruction-row').hidden = !h.instructions; // BGE-VL-MLLM queries take a task instruction
  } catch (e) {
    $('model-info').textContent = 'server unreachable';
  }
}

function firstImage(items) {
  for (const it of items || []) {
    if (it.kind === 'file' && it.type.startsWith('image/')) return it.getAsFile();
  }
  return null;
}

document.addEventListener('DOMContentLoaded', () => {
  $('api-key').value = apiKey();
  $('api-key').addEventListener('change', (e) => localStorage.setItem('bgevl.apiKey', e.target.value.trim()));
  $('search-form').addEventListener('submit', search);
  $('add-form').addEventListener('submit', addDoc);
  $('query-image').addEventListener('change', (e) => setQueryImage(e.target.files[0] || null));
  $('clear-image').addEventListener('click', () => setQueryImage(null));
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const f = e.dataTransfer.files[0];
    if (f && f.type.startsWith('image/')) setQueryImage(f);
  });
  zone.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') $('query-image').click(); });
  document.addEventListener('paste', (e) => {
    const f = firstImage(e.clipboardData && e.clipboardData.items);
    if (f) { e.preventDefault(); setQueryImage(f); }
  });
  refreshInfo();
});
