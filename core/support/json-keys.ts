import { fieldPath } from './validation.js';

type Frame =
  | { readonly kind: 'object'; readonly path: PropertyKey[]; readonly keys: Set<string>; lastKey?: string }
  | { readonly kind: 'array'; readonly path: PropertyKey[]; index: number };

/**
 * The path of the first key that appears twice in one object of `text` (`tier`, `events[0].url`), or undefined.
 * JSON.parse keeps the last of a repeated key silently, so `{"tier":"flex","tier":"guaranteed"}` would be read as
 * something the client may not have meant. `text` must already be valid JSON (JSON.parse succeeded on it).
 */
export function duplicateJsonKey(text: string): string | undefined {
  const frames: Frame[] = [];
  let expectKey = false;
  const childPath = (): PropertyKey[] => {
    const top = frames.at(-1);
    if (!top) return [];
    return top.kind === 'array' ? [...top.path, top.index] : [...top.path, top.lastKey ?? ''];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = frames.at(-1);
      if (expectKey && top?.kind === 'object') {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) return fieldPath([...top.path, key]);
        top.keys.add(key);
        top.lastKey = key;
        expectKey = false;
      }
      i = end;
    } else if (c === '{') {
      frames.push({ kind: 'object', path: childPath(), keys: new Set() });
      expectKey = true;
    } else if (c === '[') {
      frames.push({ kind: 'array', path: childPath(), index: 0 });
    } else if (c === '}' || c === ']') {
      frames.pop();
    } else if (c === ',') {
      const top = frames.at(-1);
      if (top?.kind === 'array') top.index += 1;
      else expectKey = true;
    }
  }
  return undefined;
}
