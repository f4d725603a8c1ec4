// Which webcam this desk scans with, and the developer setting "frame source: files".
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, Camera } from "lucide-react";
import { desk, toDeskError, type DeskError } from "@/api/desk";
import type { CameraDevice } from "@/bindings/CameraDevice";
import type { CameraSettings } from "@/bindings/CameraSettings";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { describeError } from "@/lib/errors";

const FIRST = "";
const DEFAULT_FPS = 10;

export function CameraCard() {
  const { t } = useTranslation();
  const [cameras, setCameras] = useState<CameraDevice[] | null>(null);
  const [listError, setListError] = useState<DeskError | null>(null);
  const [camera, setCamera] = useState(FIRST);
  const [useFiles, setUseFiles] = useState(false);
  const [path, setPath] = useState("");
  const [fps, setFps] = useState(String(DEFAULT_FPS));
  const [outcome, setOutcome] = useState<{ ok: true } | { ok: false; error: DeskError } | null>(null);

  const show = (s: CameraSettings) => {
    setCamera(s.camera ?? FIRST);
    if (s.frame_source.kind === "files") {
      setUseFiles(true);
      setPath(s.frame_source.path);
      setFps(String(s.frame_source.fps));
    } else {
      setUseFiles(false);
    }
  };

  useEffect(() => {
    desk.cameraSettings().then(show, (err: unknown) => setOutcome({ ok: false, error: toDeskError(err) }));
    desk.listCameras().then(setCameras, (err: unknown) => {
      setCameras([]);
      setListError(toDeskError(err));
    });
  }, []);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const saved = await desk.setCameraSettings({
        camera: camera === FIRST ? null : camera,
        frame_source: useFiles
          ? { kind: "files", path, fps: Number.parseInt(fps, 10) || 0 }
          : { kind: "camera" },
      });
      show(saved);
      setOutcome({ ok: true });
    } catch (err) {
      setOutcome({ ok: false, error: toDeskError(err) });
    }
  };

  const names = (cameras ?? []).map((c) => c.name);
  const remembered = camera !== FIRST && cameras !== null && !names.includes(camera);

  return (
    <Card data-testid="settings-camera">
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <Camera aria-hidden="true" className="size-4 text-muted-foreground" />
          {t("cameraSettings.title")}
        </CardTitle>
        <CardDescription>{t("cameraSettings.description")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form className="space-y-3" onSubmit={(e) => void save(e)}>
          <div className="space-y-1.5">
            <Label htmlFor="camera-choice">{t("cameraSettings.camera")}</Label>
            <NativeSelect id="camera-choice" value={camera} onChange={(e) => setCamera(e.target.value)} className="w-full">
              <option value={FIRST}>{t("cameraSettings.firstCamera")}</option>
              {(cameras ?? []).map((c) => (
                <option key={`${c.index}-${c.name}`} value={c.name}>
                  {c.name}
                </option>
              ))}
              {remembered && <option value={camera}>{t("cameraSettings.notConnected", { name: camera })}</option>}
            </NativeSelect>
            {cameras !== null && cameras.length === 0 && (
              <p className="text-sm text-muted-foreground" data-testid="camera-none">
                {listError ? t("cameraSettings.listFailed") : t("cameraSettings.noCamera")}
              </p>
            )}
          </div>
          <fieldset className="space-y-2 rounded-md border border-dashed border-border p-3" data-testid="camera-developer">
            <legend className="px-1 text-sm font-semibold">{t("cameraSettings.developer")}</legend>
            <p className="text-xs text-muted-foreground">{t("cameraSettings.developerHint")}</p>
            <label className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                checked={useFiles}
                data-testid="camera-use-files"
                onChange={(e) => setUseFiles(e.target.checked)}
              />
              {t("cameraSettings.useFiles")}
            </label>
            {useFiles && (
              <div className="grid gap-3 sm:grid-cols-[1fr_8rem]">
                <div className="space-y-1.5">
                  <Label htmlFor="camera-files-path">{t("cameraSettings.path")}</Label>
                  <Input id="camera-files-path" value={path} spellCheck={false} onChange={(e) => setPath(e.target.value)} />
                </div>
                <div className="space-y-1.5">
                  <Label htmlFor="camera-files-fps">{t("cameraSettings.fps")}</Label>
                  <Input id="camera-files-fps" inputMode="numeric" value={fps} onChange={(e) => setFps(e.target.value)} />
                </div>
              </div>
            )}
          </fieldset>
          <Button type="submit" data-testid="camera-settings-save">
            {t("cameraSettings.save")}
          </Button>
          <div aria-live="polite">
            {outcome?.ok && <p className="text-sm text-success">{t("cameraSettings.saved")}</p>}
            {outcome && !outcome.ok && (
              <Alert variant="destructive" role="alert">
                <AlertCircle aria-hidden="true" />
                <div>
                  <p>{describeError(t, outcome.error).text}</p>
                  <p className="text-xs">{outcome.error.message}</p>
                </div>
              </Alert>
            )}
          </div>
        </form>
      </CardContent>
    </Card>
  );
}
