// A sent message's attachments: images are read from the desk's store to preview them.
import { useEffect, useState } from "react";
import { messages } from "@/api/messages";
import type { Attachment } from "@/bindings/Attachment";
import { AttachmentChips, isImage } from "./AttachmentChips";

function useImageUrls(attachments: readonly Attachment[]): Record<string, string> {
  const [urls, setUrls] = useState<Record<string, string>>({});
  const key = attachments.map((a) => a.sha256).join(",");
  useEffect(() => {
    let gone = false;
    const made: string[] = [];
    for (const a of attachments) {
      if (!isImage(a.content_type)) continue;
      messages.blob(a.sha256).then(
        (bytes) => {
          if (gone) return;
          const url = URL.createObjectURL(new Blob([bytes], { type: a.content_type }));
          made.push(url);
          setUrls((u) => ({ ...u, [a.sha256]: url }));
        },
        // Not here yet (still on its way from the server): the chip shows without a preview.
        (err: unknown) => console.warn("no preview for an attachment", err),
      );
    }
    return () => {
      gone = true;
      made.forEach((url) => URL.revokeObjectURL(url));
    };
    // The attachments of a message never change: their names are the key.
  }, [key]);
  return urls;
}

export function MessageAttachments({ attachments }: { attachments: readonly Attachment[] }) {
  const urls = useImageUrls(attachments);
  return (
    <AttachmentChips
      items={attachments.map((a) => ({
        key: a.sha256,
        name: a.name,
        size: a.size,
        contentType: a.content_type,
        previewUrl: urls[a.sha256] ?? null,
      }))}
    />
  );
}
