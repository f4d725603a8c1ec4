// The photos of a parcel, taken with the webcam at any desk of the building. One taken
// here shows at once, marked as waiting until the server has it; one taken elsewhere is
// fetched from the server the first time it is shown (and kept), so it may fail while
// the desk is offline: that photo says so, and the others still show. Nothing is shown
// for a parcel without photos.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { desk, toDeskError, type DeskError } from "@/api/desk";
import type { PackagePhotoView } from "@/bindings/PackagePhotoView";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { formatDateTime } from "@/lib/format";
import { PendingBadge } from "./PackageBits";

type Shown = { view: PackagePhotoView } & ({ url: string } | { failed: DeskError });

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
      for (const view of photos) {
        try {
          const bytes = await desk.packagePhoto(view.photo.sha256);
          const url = URL.createObjectURL(new Blob([bytes], { type: "image/jpeg" }));
          urls.push(url);
          loaded.push({ view, url });
        } catch (err) {
          loaded.push({ view, failed: toDeskError(err) });
        }
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
        {shown.map((item) => {
          const { photo, pending, taken_by_name } = item.view;
          return (
            <figure key={photo.sha256} className="space-y-1" data-testid="package-photo-item" data-pending={pending}>
              {"url" in item ? (
                <img src={item.url} alt={t("packageList.page.photoAlt")} className="max-h-64 rounded border border-border" data-testid="package-photo" />
              ) : (
                <p className="text-sm text-destructive" data-testid="package-photo-missing">
                  {t("packageList.page.photoMissing")} {item.failed.message}
                </p>
              )}
              <figcaption className="text-xs text-muted-foreground">
                {formatDateTime(photo.taken_at_ms, i18n.language)}
                {taken_by_name && ` · ${t("packageList.page.photoBy", { name: taken_by_name })}`}
                {pending && (
                  <span className="ml-2">
                    <PendingBadge testId="package-photo-pending" />
                  </span>
                )}
              </figcaption>
            </figure>
          );
        })}
      </CardContent>
    </Card>
  );
}
