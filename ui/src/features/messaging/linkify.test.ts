import { describe, expect, it } from "vitest";
import { linkify, safeHref } from "./linkify";

describe("linkify", () => {
  it("keeps plain text as one text part", () => {
    expect(linkify("Parcel for 804 at the desk")).toEqual([{ kind: "text", text: "Parcel for 804 at the desk" }]);
  });

  it("finds http, https and mailto links and leaves sentence punctuation outside", () => {
    expect(linkify("See https://example.com/a?b=1, or mail mailto:desk@example.com.")).toEqual([
      { kind: "text", text: "See " },
      { kind: "link", text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
      { kind: "text", text: ", or mail " },
      { kind: "link", text: "mailto:desk@example.com", href: "mailto:desk@example.com" },
      { kind: "text", text: "." },
    ]);
    expect(linkify("(http://example.com/x)")).toEqual([
      { kind: "text", text: "(" },
      { kind: "link", text: "http://example.com/x", href: "http://example.com/x" },
      { kind: "text", text: ")" },
    ]);
    expect(linkify("https://en.wikipedia.org/wiki/Foo_(bar) ok")[0]).toEqual({
      kind: "link",
      text: "https://en.wikipedia.org/wiki/Foo_(bar)",
      href: "https://en.wikipedia.org/wiki/Foo_(bar)",
    });
  });

  it("never makes a link of other schemes", () => {
    for (const text of ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd", "vbscript:x"]) {
      expect(linkify(text).every((p) => p.kind === "text"), text).toBe(true);
      expect(linkify(text).map((p) => p.text).join("")).toBe(text);
    }
    expect(safeHref("javascript:alert(1)")).toBeNull();
    expect(safeHref("http://")).toBeNull();
    expect(safeHref("https://example.com")).toBe("https://example.com/");
  });

  it("gives back every character of the text, in order", () => {
    const text = 'a <img src=x onerror=alert(1)> https://x.ca/"><script>alert(1)</script> z';
    expect(
      linkify(text)
        .map((p) => p.text)
        .join(""),
    ).toBe(text);
  });
});
