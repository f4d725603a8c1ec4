// Message text as React text nodes, with its http(s)/mailto links opening in the system
// browser. Never HTML: whatever the text holds shows as the characters it is.
import { useMemo } from "react";
import { messages } from "@/api/messages";
import { linkify } from "./linkify";

export function LinkifiedText({ text }: { text: string }) {
  const parts = useMemo(() => linkify(text), [text]);
  return (
    <>
      {parts.map((part, i) =>
        part.kind === "text" ? (
          part.text
        ) : (
          <a
            key={i}
            href={part.href}
            rel="noopener noreferrer"
            data-testid="message-link"
            className="text-primary underline underline-offset-2 [overflow-wrap:anywhere] hover:no-underline"
            onClick={(e) => {
              // The webview never navigates: the system browser opens it.
              e.preventDefault();
              messages.openLink(part.href).catch((err: unknown) => console.error("could not open a link", err));
            }}
          >
            {part.text}
          </a>
        ),
      )}
    </>
  );
}
