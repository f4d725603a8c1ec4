import type { ReactNode } from "react";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";

/** One table of the report: its title and export, then its chart beside its figures. */
export function ReportCard(props: {
  id: string;
  title: string;
  description?: string;
  action: ReactNode;
  chart?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Card data-testid={`report-${props.id}`}>
      <section aria-labelledby={`report-${props.id}-title`}>
        <CardHeader className="flex-row items-start justify-between gap-4">
          <div className="space-y-1">
            <CardTitle id={`report-${props.id}-title`}>{props.title}</CardTitle>
            {props.description && <CardDescription>{props.description}</CardDescription>}
          </div>
          {props.action}
        </CardHeader>
        <CardContent className={props.chart ? "grid gap-4 lg:grid-cols-[3fr_2fr]" : undefined}>
          {props.chart && <div className="min-w-0">{props.chart}</div>}
          <div className="min-w-0 overflow-x-auto">{props.children}</div>
        </CardContent>
      </section>
    </Card>
  );
}

/** A plain figures table with a visible header row. */
export function FiguresTable({ head, rows, testId }: { head: readonly ReactNode[]; rows: readonly ReactNode[][]; testId?: string }) {
  return (
    <table className="w-full text-sm" data-testid={testId}>
      <thead>
        <tr className="border-b border-border text-left text-xs text-muted-foreground">
          {head.map((h, i) => (
            <th key={i} scope="col" className={i === head.length - 1 ? "py-1.5 text-right font-medium" : "py-1.5 pr-3 font-medium"}>
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((cells, r) => (
          <tr key={r} className="border-b border-border/60 last:border-0">
            {cells.map((c, i) =>
              i === 0 ? (
                <th key={i} scope="row" className="py-1.5 pr-3 text-left font-normal">
                  {c}
                </th>
              ) : (
                <td key={i} className={i === cells.length - 1 ? "py-1.5 text-right tabular-nums" : "py-1.5 pr-3"}>
                  {c}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
