// The platform API's data layer for a web frontend: one method per call the UI makes, over
// the platform `fetch`. Answers are the API's JSON (camelCase, as openapi/openapi.yaml says);
// errors are `ApiError`s carrying the problem document.

import { apiError } from './errors.js';

export * from './errors.js';

export class PlatformClient {
  /**
   * @param {string} baseUrl  the API root, e.g. `https://api.example.com/api/v1`
   * @param {{token?: string|null, fetch?: typeof fetch}} [options]
   */
  constructor(baseUrl, { token = null, fetch: fetcher = globalThis.fetch } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = token;
    this.fetch = fetcher;
  }

  // -- auth -------------------------------------------------------------------------------

  /** Create an account (`Conflict` when the email is taken). */
  register(email, password, name) {
    return this.#json('POST', '/auth/register', { body: { email, password, name, acceptTerms: true } });
  }

  /** Exchange credentials for `{user, tokens}`; remembers the access token. */
  async login(email, password) {
    const result = await this.#json('POST', '/auth/login', { body: { email, password } });
    this.token = result.tokens.accessToken;
    return result;
  }

  /** Rotate a refresh token; remembers the new access token. */
  async refresh(refreshToken) {
    const pair = await this.#json('POST', '/auth/refresh', { body: { refreshToken } });
    this.token = pair.accessToken;
    return pair;
  }

  /** Revoke one refresh token, or with `allDevices` every token of the user. */
  async logout({ refreshToken = null, allDevices = false } = {}) {
    const body = allDevices ? { allDevices: true } : {};
    if (refreshToken !== null) body.refreshToken = refreshToken;
    await this.#send('POST', '/auth/logout', { body });
    if (allDevices || refreshToken === null) this.token = null;
  }

  /** The user the token belongs to. */
  me() {
    return this.#json('GET', '/auth/me');
  }

  // -- projects and tasks -----------------------------------------------------------------

  /** One page of the caller's projects: `{data, pagination}`. */
  listProjects({ page, limit } = {}) {
    return this.#json('GET', '/projects', { query: { page, limit } });
  }

  createProject(name, { description, status } = {}) {
    return this.#json('POST', '/projects', { body: defined({ name, description, status }) });
  }

  getProject(projectId) {
    return this.#json('GET', `/projects/${enc(projectId)}`);
  }

  /** Change some of `name`, `description`, `status`. */
  updateProject(projectId, changes) {
    return this.#json('PATCH', `/projects/${enc(projectId)}`, { body: changes });
  }

  async deleteProject(projectId) {
    await this.#send('DELETE', `/projects/${enc(projectId)}`);
  }

  listTasks(projectId) {
    return this.#json('GET', `/projects/${enc(projectId)}/tasks`);
  }

  createTask(projectId, title, { priority, dueDate } = {}) {
    const body = defined({ title, priority, dueDate });
    return this.#json('POST', `/projects/${enc(projectId)}/tasks`, { body });
  }

  getTask(projectId, taskId) {
    return this.#json('GET', `/projects/${enc(projectId)}/tasks/${enc(taskId)}`);
  }

  updateTask(projectId, taskId, changes) {
    return this.#json('PATCH', `/projects/${enc(projectId)}/tasks/${enc(taskId)}`, { body: changes });
  }

  async deleteTask(projectId, taskId) {
    await this.#send('DELETE', `/projects/${enc(projectId)}/tasks/${enc(taskId)}`);
  }

  // -- orders and payments ----------------------------------------------------------------

  /** Place an order; `items` are `{productId, name, quantity, unitPrice}`. */
  createOrder(currency, items) {
    return this.#json('POST', '/orders', { body: { currency, items } });
  }

  getOrder(orderId) {
    return this.#json('GET', `/orders/${enc(orderId)}`);
  }

  /** Cancel a pending order (`Conflict` otherwise). */
  cancelOrder(orderId) {
    return this.#json('POST', `/orders/${enc(orderId)}/cancel`);
  }

  /** Charge an order (`PaymentDeclined`); a retry reuses `idempotencyKey`. `replayed` says
   * whether the answer is the first attempt's, replayed. */
  async payOrder(orderId, paymentMethod, { idempotencyKey }) {
    const response = await this.#send('POST', `/orders/${enc(orderId)}/payments`, {
      body: { paymentMethod },
      headers: { 'Idempotency-Key': idempotencyKey },
    });
    const payment = await response.json();
    return { ...payment, replayed: response.headers.get('Idempotent-Replayed') === 'true' };
  }

  getPayment(paymentId) {
    return this.#json('GET', `/payments/${enc(paymentId)}`);
  }

  // -- sessions ---------------------------------------------------------------------------

  openSession(name, { metadata } = {}) {
    return this.#json('POST', '/sessions', { body: defined({ name, metadata }) });
  }

  getSession(sessionId) {
    return this.#json('GET', `/sessions/${enc(sessionId)}`);
  }

  /** Change `name`, `status` (active/idle) or `metadata` (`Conflict` once ended). */
  updateSession(sessionId, changes) {
    return this.#json('PATCH', `/sessions/${enc(sessionId)}`, { body: changes });
  }

  /** End a session; it stays readable. */
  endSession(sessionId) {
    return this.#json('POST', `/sessions/${enc(sessionId)}/end`);
  }

  // -- transport --------------------------------------------------------------------------

  async #send(method, path, { body, query, headers = {} } = {}) {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const sent = { Accept: 'application/json, application/problem+json', ...headers };
    if (this.token) sent.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) sent['Content-Type'] = 'application/json';
    const response = await this.fetch(url, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status >= 400) {
      let data = null;
      try {
        data = await response.json();
      } catch {
        data = null;
      }
      throw apiError(response.status, data, response.headers.get('Retry-After'));
    }
    return response;
  }

  async #json(method, path, options) {
    const response = await this.#send(method, path, options);
    const data = await response.json();
    if (data === null || typeof data !== 'object') {
      throw apiError(500, { code: 'unexpected_body', detail: `expected an object from ${path}` });
    }
    return data;
  }
}

function enc(id) {
  return encodeURIComponent(id);
}

function defined(body) {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== null));
}
