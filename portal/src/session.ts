// The API credentials live in this tab's sessionStorage only: never in a URL, a cookie or localStorage.
import type { Credentials } from './api.js';

const KEY = 'buildmarkets-portal-credentials';

export function loadCredentials(): Credentials | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Partial<Credentials> | null;
    return value && typeof value.apiKey === 'string' && typeof value.apiSecret === 'string'
      ? { apiKey: value.apiKey, apiSecret: value.apiSecret }
      : null;
  } catch {
    return null;
  }
}

export function saveCredentials(credentials: Credentials): void {
  sessionStorage.setItem(KEY, JSON.stringify(credentials));
}

export function clearCredentials(): void {
  sessionStorage.removeItem(KEY);
}
