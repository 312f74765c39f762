import { namedShadowTopic, parseNamedShadowTopic } from '../../core/iot/shadow-topics.js';
import type { Clock } from '../../core/support/clock.js';

/**
 * The local stand-in for the AWS IoT Device Shadow service, named shadows only, with the behaviour devices see
 * (docs.aws.amazon.com/iot/latest/developerguide: device-shadow-document.html, device-shadow-data-flow.html,
 * device-shadow-error-messages.html):
 * - an update merges `state.desired` / `state.reported` into the stored state field by field; `null` deletes a field;
 *   arrays are replaced whole; everything outside `state` is ignored except `version` and `clientToken`;
 * - a request naming a `version` other than the current one is refused 409 "Version conflict"; each accepted update
 *   adds one to the version;
 * - desired + reported above 8 KB are refused 413, nesting deeper than 6 levels 400, a `clientToken` over 64 bytes 400;
 * - `/update/accepted` echoes the request's state with metadata timestamps; `/update/documents` carries previous and
 *   current; `/update/delta` is published when an update touches `desired` and desired differs from reported (the
 *   delta holds only the differing desired fields); `/get/accepted` returns state with its delta, or 404 on
 *   `/get/rejected` for a shadow that does not exist.
 * Timestamps are epoch seconds on the injected clock.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface ShadowDocument {
  readonly state: { readonly desired?: JsonObject; readonly reported?: JsonObject };
  readonly metadata: { readonly desired?: JsonObject; readonly reported?: JsonObject };
  readonly version: number;
  readonly timestamp: number;
}

export interface ShadowError {
  readonly code: 400 | 404 | 409 | 413;
  readonly message: string;
}

/** What one accepted update produces: the reply topics' payloads, by operation. */
export interface ShadowUpdateOutcome {
  readonly accepted: JsonObject;
  readonly documents: JsonObject;
  readonly delta?: JsonObject;
}

/** AWS IoT Device Shadow quotas: 8 KB of desired + reported, 6 levels of nesting, 64-byte client tokens. */
export const SHADOW_MAX_STATE_BYTES = 8 * 1024;
export const SHADOW_MAX_DEPTH = 6;
const MAX_CLIENT_TOKEN_BYTES = 64;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export class DeviceShadows {
  private readonly shadows = new Map<string, ShadowDocument>();

  constructor(private readonly clock: Clock) {}

  /** The stored document, or undefined when none exists. */
  document(thing: string, shadow: string): ShadowDocument | undefined {
    return this.shadows.get(`${thing}/${shadow}`);
  }

  /** GetThingShadow: the document with its delta, or 404. */
  get(thing: string, shadow: string, clientToken?: string): { ok: true; reply: JsonObject } | ShadowFailure {
    const doc = this.document(thing, shadow);
    if (!doc) return failure(404, `No shadow exists with name: '${shadow}'`);
    const delta = deltaOf(doc.state.desired, doc.state.reported);
    return {
      ok: true,
      reply: {
        state: { ...doc.state, ...(delta ? { delta } : {}) } as JsonObject,
        metadata: doc.metadata as JsonObject,
        version: doc.version,
        timestamp: this.nowS(),
        ...(clientToken ? { clientToken } : {}),
      },
    };
  }

  /** UpdateThingShadow: creates or merges; the outcome's payloads, or the error AWS would answer. */
  update(thing: string, shadow: string, request: unknown): ({ ok: true } & ShadowUpdateOutcome) | ShadowFailure {
    if (!isObject(request)) return failure(400, 'Invalid JSON');
    const { state, version, clientToken } = request;
    if (clientToken !== undefined) {
      if (typeof clientToken !== 'string' || Buffer.byteLength(clientToken) > MAX_CLIENT_TOKEN_BYTES) {
        return failure(400, 'Invalid clientToken');
      }
    }
    if (state === undefined) return failure(400, 'Missing required node: state');
    if (!isObject(state)) return failure(400, 'State node must be an object');
    for (const key of Object.keys(state)) {
      if (key !== 'desired' && key !== 'reported') return failure(400, 'State contains an invalid node');
    }
    const { desired, reported } = state;
    if (desired !== undefined && desired !== null && !isObject(desired)) {
      return failure(400, 'Desired node must be an object');
    }
    if (reported !== undefined && reported !== null && !isObject(reported)) {
      return failure(400, 'Reported node must be an object');
    }
    if (version !== undefined && (typeof version !== 'number' || !Number.isInteger(version))) {
      return failure(400, 'Invalid version');
    }
    if (depthOf(desired ?? null) > SHADOW_MAX_DEPTH || depthOf(reported ?? null) > SHADOW_MAX_DEPTH) {
      return failure(400, `JSON contains too many levels of nesting; maximum is ${SHADOW_MAX_DEPTH}`);
    }
    const key = `${thing}/${shadow}`;
    const previous = this.shadows.get(key);
    if (version !== undefined && version !== (previous?.version ?? 0)) return failure(409, 'Version conflict');
    const nowS = this.nowS();
    const next: ShadowDocument = {
      state: {
        ...section('desired', mergeSection(previous?.state.desired, desired)),
        ...section('reported', mergeSection(previous?.state.reported, reported)),
      },
      metadata: {
        ...section('desired', mergeSection(previous?.metadata.desired, stamp(desired, nowS))),
        ...section('reported', mergeSection(previous?.metadata.reported, stamp(reported, nowS))),
      },
      version: (previous?.version ?? 0) + 1,
      timestamp: nowS,
    };
    const size = Buffer.byteLength(
      JSON.stringify(next.state.desired ?? {}) + JSON.stringify(next.state.reported ?? {}),
    );
    if (size > SHADOW_MAX_STATE_BYTES) return failure(413, 'The payload exceeds the maximum size allowed');
    this.shadows.set(key, next);
    const token: JsonObject = typeof clientToken === 'string' ? { clientToken } : {};
    const requestState = {
      ...(desired !== undefined ? { desired } : {}),
      ...(reported !== undefined ? { reported } : {}),
    } as JsonObject;
    const delta = desired !== undefined ? deltaOf(next.state.desired, next.state.reported) : undefined;
    return {
      ok: true,
      accepted: {
        state: requestState,
        metadata: {
          ...(desired !== undefined ? { desired: stamp(desired, nowS) ?? null } : {}),
          ...(reported !== undefined ? { reported: stamp(reported, nowS) ?? null } : {}),
        },
        version: next.version,
        timestamp: nowS,
        ...token,
      },
      documents: {
        previous: previous ? documentJson(previous) : null,
        current: documentJson(next),
        timestamp: nowS,
        ...token,
      },
      ...(delta
        ? {
            delta: {
              state: delta,
              metadata: stamp(delta, nowS) ?? {},
              version: next.version,
              timestamp: nowS,
              ...token,
            },
          }
        : {}),
    };
  }

  /** Epoch seconds on the injected clock: every timestamp the service writes. */
  nowS(): number {
    return Math.floor(this.clock.nowMs() / 1000);
  }
}

export type ShadowFailure = { ok: false; error: ShadowError };

function failure(code: ShadowError['code'], message: string): ShadowFailure {
  return { ok: false, error: { code, message } };
}

function section(name: 'desired' | 'reported', value: JsonObject | undefined): Record<string, JsonObject> {
  return value === undefined ? {} : { [name]: value };
}

function documentJson(doc: ShadowDocument): JsonObject {
  return { state: doc.state as JsonObject, metadata: doc.metadata as JsonObject, version: doc.version };
}

/** Field-level merge; `null` removes a field (or the whole section); arrays and scalars replace. */
function mergeSection(current: JsonObject | undefined, update: Json | undefined): JsonObject | undefined {
  if (update === undefined) return current;
  if (update === null) return undefined;
  const merged: JsonObject = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(update as JsonObject)) {
    if (value === null) delete merged[key];
    else if (isObject(value) && isObject(merged[key])) merged[key] = mergeSection(merged[key], value) ?? {};
    else merged[key] = isObject(value) ? (mergeSection(undefined, value) ?? {}) : value;
  }
  return Object.keys(merged).length === 0 ? undefined : merged;
}

/** The metadata of a section: the same shape, each leaf replaced by `{ timestamp }`. */
function stamp(value: Json | undefined, nowS: number): JsonObject | undefined {
  if (!isObject(value)) return undefined;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = isObject(child) ? (stamp(child, nowS) ?? {}) : { timestamp: nowS };
  }
  return out;
}

/** Desired fields whose value differs from reported (objects compared field by field); undefined when none. */
function deltaOf(desired: JsonObject | undefined, reported: JsonObject | undefined): JsonObject | undefined {
  if (!desired) return undefined;
  const delta: JsonObject = {};
  for (const [key, want] of Object.entries(desired)) {
    const have = reported?.[key];
    if (isObject(want) && isObject(have)) {
      const inner = deltaOf(want, have);
      if (inner) delta[key] = inner;
    } else if (JSON.stringify(want) !== JSON.stringify(have)) delta[key] = want;
  }
  return Object.keys(delta).length === 0 ? undefined : delta;
}

function depthOf(value: Json): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (isObject(value)) return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

/** The broker side the service needs: every client publish, and a way to publish as the service. */
export interface ShadowBroker {
  onClientPublish(listener: (topic: string, payload: Buffer) => void): void;
  publish(topic: string, payload: string): Promise<void>;
}

/**
 * Serves `/get` and `/update` requests arriving on the broker, and publishes the replies (and, for updates made
 * through `update()` by the cloud side, the same delta and documents). The broker's topic rules already decided who
 * may publish a request for which thing (core/iot/topic-access.ts).
 */
export class ShadowService {
  constructor(
    readonly shadows: DeviceShadows,
    private readonly broker: ShadowBroker,
  ) {
    broker.onClientPublish((topic, payload) => {
      const target = parseNamedShadowTopic(topic);
      if (!target) return;
      if (target.operation === 'get') void this.serveGet(target.thing, target.shadow, payload);
      else if (target.operation === 'update') void this.update(target.thing, target.shadow, payload.toString('utf8'));
    });
  }

  /** UpdateThingShadow as the data-plane API does it: the accepted document, or the error; replies go out on MQTT. */
  async update(
    thing: string,
    shadow: string,
    payload: string,
  ): Promise<{ ok: true; accepted: JsonObject } | ShadowFailure> {
    let request: unknown;
    try {
      request = JSON.parse(payload);
    } catch {
      request = undefined;
    }
    const outcome = request === undefined ? failure(400, 'Invalid JSON') : this.shadows.update(thing, shadow, request);
    const topic = (operation: Parameters<typeof namedShadowTopic>[2]) => namedShadowTopic(thing, shadow, operation);
    if (!outcome.ok) {
      await this.reply(topic('update/rejected'), this.errorReply(outcome.error, request));
      return outcome;
    }
    await this.reply(topic('update/accepted'), outcome.accepted);
    if (outcome.delta) await this.reply(topic('update/delta'), outcome.delta);
    await this.reply(topic('update/documents'), outcome.documents);
    return { ok: true, accepted: outcome.accepted };
  }

  private async serveGet(thing: string, shadow: string, payload: Buffer): Promise<void> {
    let clientToken: string | undefined;
    try {
      const token = (JSON.parse(payload.toString('utf8') || '{}') as { clientToken?: unknown }).clientToken;
      if (typeof token === 'string') clientToken = token;
    } catch {
      // An empty or non-JSON get is still a get (AWS: "publish an empty message").
    }
    const result = this.shadows.get(thing, shadow, clientToken);
    if (result.ok) await this.reply(namedShadowTopic(thing, shadow, 'get/accepted'), result.reply);
    else
      await this.reply(namedShadowTopic(thing, shadow, 'get/rejected'), this.errorReply(result.error, { clientToken }));
  }

  /** The error document of a `rejected` topic: code, message, timestamp and the request's client token. */
  private errorReply(error: ShadowError, request: unknown): JsonObject {
    const token: JsonObject =
      isObject(request) && typeof request.clientToken === 'string' ? { clientToken: request.clientToken } : {};
    return { code: error.code, message: error.message, timestamp: this.shadows.nowS(), ...token };
  }

  private reply(topic: string, body: JsonObject): Promise<void> {
    return this.broker.publish(topic, JSON.stringify(body));
  }
}
