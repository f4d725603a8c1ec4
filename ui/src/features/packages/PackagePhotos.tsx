// The photos taken of a parcel with the webcam at intake (kept at the desk that took
// them). Nothing is shown for a parcel without photos.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { desk, toDeskError, type DeskError } from "@/api/desk";
import type { PackagePhoto } from "@/bindings/PackagePhoto";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { formatDateTime } from "@/lib/format";

interface Shown {
  photo: PackagePhoto;
  url: string;
}

export function PackagePhotos({ id, refreshTick }: { id: string; refreshTick: number }) {
  const { t, i18n } = useTranslation();
  const [shown, setShown] = useState<Shown[]>([]);
  const [error, setError] = useState<DeskError | null>(null);

  useEffect(() => {
    let gone = false;
    const urls: string[] = [];
    (async () => {
      const photos = await desk.packagePhotos(id);
      const loaded: Shown[] = [];
      for (const photo of photos) {
        const bytes = await desk.packagePhoto(photo.sha256);
        const url = URL.createObjectURL(new Blob([bytes], { type: "image/jpeg" }));
        urls.push(url);
        loaded.push({ photo, url });
      }
      if (!gone) {
        setShown(loaded);
        setError(null);
      }
    })().catch((err: unknown) => {
      if (!gone) setError(toDeskError(err));
    });
    return () => {
      gone = true;
      for (const url of urls) URL.revokeObjectURL(url);
    };
  }, [id, refreshTick]);

  if (shown.length === 0 && !error) return null;
  return (
    <Card data-testid="package-photos">
      <CardHeader>
        <CardTitle>{t("packageList.page.photos")}</CardTitle>
      </CardHeader>
      <CardContent className="space-y-2">
        {error && (
          <p className="text-sm text-destructive" data-testid="package-photos-error">
            {t("packageList.page.photosFailed")} {error.message}
          </p>
        )}
        {shown.map(({ photo, url }) => (
          <figure key={photo.sha256} className="space-y-1">
            <img src={url} alt={t("packageList.page.photoAlt")} className="max-h-64 rounded border border-border" data-testid="package-photo" />
            <figcaption className="text-xs text-muted-foreground">{formatDateTime(photo.taken_at_ms, i18n.language)}</figcaption>
          </figure>
        ))}
      </CardContent>
    </Card>
  );
}
