/**
 * Stripe's form encoding, and reading parameters the way Stripe validates them.
 */
import { invalidParam, missingParam } from './errors';
import type { FormObject, FormValue, Metadata } from './types';

/**
 * Decodes Stripe's `application/x-www-form-urlencoded` bracket notation
 * (`metadata[a]=1&expand[0]=x&items[0][price]=p`) into nested objects, with
 * `[0]`, `[1]`… (or `[]`) becoming arrays.
 */
export function parseFormBody(body: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(body)) {
    assignPath(root, splitKey(key), value);
  }
  return indexedObjectsToArrays(root) as FormObject;
}

function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0 || !key.endsWith(']')) return [key];
  const segments = [key.slice(0, open)];
  for (const match of key.slice(open).matchAll(/\[([^\]]*)\]/g)) segments.push(match[1]);
  return segments;
}

function assignPath(root: FormObject, segments: string[], value: string): void {
  let node = root;
  segments.forEach((rawSegment, i) => {
    const segment = rawSegment === '' ? String(Object.keys(node).length) : rawSegment;
    if (i === segments.length - 1) {
      node[segment] = value;
      return;
    }
    const child = node[segment];
    if (typeof child !== 'object' || Array.isArray(child)) node[segment] = {};
    node = node[segment] as FormObject;
  });
}

function indexedObjectsToArrays(value: FormValue, key = ''): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const converted: FormObject = {};
  for (const [k, v] of Object.entries(value)) converted[k] = indexedObjectsToArrays(v, k);
  // Metadata keys are the caller's own strings, so `metadata[0]` must stay a key.
  const keys = Object.keys(converted);
  const isIndexed = key !== 'metadata' && keys.length > 0 && keys.every((k) => /^\d+$/.test(k));
  if (!isIndexed) return converted;
  return keys.sort((a, b) => Number(a) - Number(b)).map((k) => converted[k]);
}

/** Refuses any top-level parameter the endpoint does not take, as Stripe does. */
export function checkKnownParams(params: FormObject, allowed: readonly string[]): void {
  for (const name of Object.keys(params)) {
    if (name !== 'expand' && !allowed.includes(name)) {
      throw invalidParam(`Received unknown parameter: ${name}`, name, 'parameter_unknown');
    }
  }
}

export function optionalString(params: FormObject, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw invalidParam(`Invalid string: ${JSON.stringify(value)}`, name, 'parameter_invalid_string');
  }
  return value;
}

export function requiredString(params: FormObject, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined) throw missingParam(name);
  return value;
}

export function optionalEnum<T extends string>(params: FormObject, name: string, allowed: readonly T[]): T | undefined {
  const value = optionalString(params, name);
  if (value !== undefined && !(allowed as readonly string[]).includes(value)) {
    throw invalidParam(`Invalid ${name}: must be one of ${allowed.join(', ')}`, name);
  }
  return value as T | undefined;
}

export function requiredEnum<T extends string>(params: FormObject, name: string, allowed: readonly T[]): T {
  const value = optionalEnum(params, name, allowed);
  if (value === undefined) throw missingParam(name);
  return value;
}

export function optionalInteger(params: FormObject, name: string, label = name): number | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw invalidParam(`Invalid integer: ${value}`, label, 'parameter_invalid_integer');
  return Number(value);
}

export function optionalPositiveInteger(params: FormObject, name: string): number | undefined {
  const value = optionalInteger(params, name);
  if (value !== undefined && value <= 0) {
    throw invalidParam(`Invalid positive integer: ${value}`, name, 'parameter_invalid_integer');
  }
  return value;
}

export function requiredPositiveInteger(params: FormObject, name: string): number {
  const value = optionalPositiveInteger(params, name);
  if (value === undefined) throw missingParam(name);
  return value;
}

export function optionalBoolean(params: FormObject, name: string): boolean | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') {
    throw invalidParam(`Invalid boolean: ${value}`, name, 'parameter_invalid_boolean');
  }
  return value === 'true';
}

export function optionalObject(params: FormObject, name: string): FormObject | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParam('Invalid object', name, 'parameter_invalid_object');
  return value;
}

export function requiredCurrency(params: FormObject): string {
  const currency = requiredString(params, 'currency').toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) throw invalidParam(`Invalid currency: ${currency}.`, 'currency');
  return currency;
}

export function metadataParam(params: FormObject): Metadata {
  const value = optionalObject(params, 'metadata');
  const metadata: Metadata = {};
  for (const [key, entry] of Object.entries(value ?? {})) {
    if (typeof entry !== 'string') throw invalidParam('Metadata values must be strings.', `metadata[${key}]`);
    // An empty value means "unset" in Stripe, so it never ends up stored.
    if (entry !== '') metadata[key] = entry;
  }
  return metadata;
}

export function expandParam(params: FormObject): string[] {
  const value = params.expand;
  if (value === undefined) return [];
  const paths = Array.isArray(value) ? value : [value];
  return paths.map((path) => {
    if (typeof path !== 'string') throw invalidParam('Invalid array', 'expand', 'parameter_invalid_array');
    return path;
  });
}

export function stringArray(params: FormObject, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw invalidParam('Invalid array', name, 'parameter_invalid_array');
  return value as string[];
}
