// Splits message text into plain text and links. Only http(s) and mailto become links;
// anything else (javascript:, data:, file:…) stays text. Nothing here produces HTML.

export type TextPart = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

const CANDIDATE = /\b(?:https?:\/\/|mailto:)[^\s<>"'`]+/gi;
const ALLOWED_PROTOCOLS: ReadonlySet<string> = new Set(["http:", "https:", "mailto:"]);
// Sentence punctuation after a link belongs to the sentence.
const TRAILING = /[.,;:!?'")\]}]+$/;

/** The link a candidate really is, or null (malformed, or not one of ours). */
export function safeHref(candidate: string): string | null {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (!ALLOWED_PROTOCOLS.has(url.protocol)) return null;
  if (url.protocol !== "mailto:" && !url.hostname) return null;
  return url.href;
}

export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  const push = (kind: "text", chunk: string) => {
    if (!chunk) return;
    const prev = parts[parts.length - 1];
    if (prev?.kind === kind) prev.text += chunk;
    else parts.push({ kind, text: chunk });
  };
  for (const m of text.matchAll(CANDIDATE)) {
    const start = m.index;
    let candidate = m[0];
    // Keep a closing parenthesis that closes one inside the link (Wikipedia-style).
    const trailing = TRAILING.exec(candidate)?.[0] ?? "";
    let cut = trailing.length;
    if (trailing.startsWith(")") && (candidate.match(/\(/g)?.length ?? 0) > 0) cut = trailing.length - 1;
    candidate = candidate.slice(0, candidate.length - cut);
    const href = safeHref(candidate);
    push("text", text.slice(last, start));
    if (href) parts.push({ kind: "link", text: candidate, href });
    else push("text", candidate);
    last = start + candidate.length;
  }
  push("text", text.slice(last));
  return parts;
}
