// What was handed over, on screen (and on paper with Print): the parcels, who collected
// them, when, and the signature drawn back from its path data.
import { useTranslation } from "react-i18next";
import { CheckCircle2, CloudUpload, Printer } from "lucide-react";
import type { CarrierOption } from "@/bindings/CarrierOption";
import type { PackageView } from "@/bindings/PackageView";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Kbd } from "@/components/ui/kbd";
import { formatDateTime } from "@/lib/format";
import { carrierName, useRecipientText } from "@/features/packages/PackageBits";
import { isSignaturePath, SIGNATURE_HEIGHT, SIGNATURE_WIDTH } from "./signature";

export interface Receipt {
  parcels: PackageView[];
  collectedBy: string;
  atMs: number;
  /** The path data sent with the signature-required parcels, if any. */
  signature: string | null;
  /** The parcels the desk still has to send (offline); null until known. */
  pendingIds: ReadonlySet<string> | null;
}

export function SignatureImage({ path, label }: { path: string; label: string }) {
  // Only digits, spaces, M and L reach the attribute; anything else is not drawn.
  if (!isSignaturePath(path)) return null;
  return (
    <svg
      viewBox={`0 0 ${SIGNATURE_WIDTH} ${SIGNATURE_HEIGHT}`}
      role="img"
      aria-label={label}
      className="h-auto w-full max-w-md rounded-md border border-border bg-white text-gray-900"
      data-testid="pickup-receipt-signature"
    >
      <path d={path} fill="none" stroke="currentColor" strokeWidth={3} strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

export function PickupReceipt({
  receipt,
  carriers,
  onNext,
}: {
  receipt: Receipt;
  carriers: readonly CarrierOption[];
  onNext: () => void;
}) {
  const { t, i18n } = useTranslation();
  const recipientText = useRecipientText();
  const pending = receipt.pendingIds !== null && receipt.parcels.some((v) => receipt.pendingIds?.has(v.package.id));

  return (
    <section
      aria-labelledby="pickup-receipt-title"
      className="pickup-receipt space-y-4 rounded-lg border border-border bg-card p-5 shadow-xs"
      data-testid="pickup-receipt"
      data-pending={pending || undefined}
      aria-live="polite"
    >
      <div className="flex flex-wrap items-start justify-between gap-3">
        <h2
          id="pickup-receipt-title"
          className="flex items-center gap-2 text-base font-semibold outline-none"
        >
          <CheckCircle2 aria-hidden="true" className="size-5 text-primary" />
          {t("pickup.receipt.title", { count: receipt.parcels.length })}
        </h2>
        <div className="flex flex-wrap items-center gap-2 print:hidden">
          <Button variant="outline" onClick={() => window.print()} data-testid="pickup-receipt-print">
            <Printer aria-hidden="true" />
            {t("pickup.receipt.print")}
          </Button>
          <Button onClick={onNext} aria-keyshortcuts="Escape" data-testid="pickup-next">
            {t("pickup.receipt.next")}
            <Kbd className="bg-primary-foreground/15 text-primary-foreground">Esc</Kbd>
          </Button>
        </div>
      </div>

      {pending && (
        <Alert variant="warning" data-testid="pickup-receipt-pending">
          <CloudUpload aria-hidden="true" />
          <p>{t("pickup.receipt.pending")}</p>
        </Alert>
      )}

      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-muted-foreground">{t("pickup.receipt.collectedBy")}</dt>
        <dd className="font-medium" data-testid="pickup-receipt-collected-by">
          {receipt.collectedBy}
        </dd>
        <dt className="text-muted-foreground">{t("pickup.receipt.at")}</dt>
        <dd>
          <time dateTime={new Date(receipt.atMs).toISOString()}>{formatDateTime(receipt.atMs, i18n.language)}</time>
        </dd>
      </dl>

      <ul className="divide-y divide-border rounded-md border border-border text-sm" aria-label={t("pickup.receipt.parcels")}>
        {receipt.parcels.map((v) => {
          const p = v.package;
          const carrier = carrierName(carriers, p.carrier);
          return (
            <li
              key={p.id}
              className="flex flex-wrap items-center gap-x-4 gap-y-1 px-3 py-2"
              data-testid="pickup-receipt-parcel"
              data-package-id={p.id}
            >
              <span className="font-mono font-medium tracking-wide">{p.code}</span>
              <span>{recipientText(v).text}</span>
              {v.unit_number && (
                <span className="text-muted-foreground tabular-nums">{t("pickup.unit", { number: v.unit_number })}</span>
              )}
              {carrier && <span className="text-muted-foreground">{carrier}</span>}
              {receipt.pendingIds?.has(p.id) && (
                <span className="inline-flex items-center gap-1 text-xs text-warning-foreground">
                  <CloudUpload aria-hidden="true" className="size-3" />
                  {t("packageList.pending")}
                </span>
              )}
            </li>
          );
        })}
      </ul>

      {receipt.signature && (
        <div className="space-y-1">
          <p className="text-sm text-muted-foreground">{t("pickup.receipt.signature")}</p>
          <SignatureImage
            path={receipt.signature}
            label={t("pickup.receipt.signatureOf", { name: receipt.collectedBy })}
          />
        </div>
      )}

      <p className="text-xs text-muted-foreground print:hidden">{t("pickup.receipt.nextHint")}</p>
    </section>
  );
}
