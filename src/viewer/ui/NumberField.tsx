/**
 * A number input that keeps what the user types. The text is the user's
 * while the field has focus: a partial value ("0.", "1e-", "-") is never
 * replaced, a valid one is committed as it is typed, an invalid one says why
 * and is not applied. On blur the field shows the committed value again.
 */
import { useState } from "react";

export function NumberField(props: {
  value: number;
  format: (v: number) => string;
  /** Undefined accepts the value; a string says why it is refused. */
  check?: (v: number) => string | undefined;
  onCommit: (v: number) => void;
  label: string;
  testId?: string;
  onProblem?: (why: string | undefined) => void;
}) {
  const [draft, setDraft] = useState<string>();
  const shown = draft ?? props.format(props.value);
  return (
    <input
      type="text"
      inputMode="decimal"
      aria-label={props.label}
      data-testid={props.testId}
      value={shown}
      onFocus={() => setDraft(props.format(props.value))}
      onBlur={() => {
        setDraft(undefined);
        props.onProblem?.(undefined);
      }}
      onKeyDown={(e) => {
        if (e.key === "Enter") (e.target as HTMLInputElement).blur();
        if (e.key === "Escape") {
          setDraft(undefined);
          (e.target as HTMLInputElement).blur();
        }
      }}
      onChange={(e) => {
        const text = e.target.value;
        setDraft(text);
        const v = parseNumber(text);
        if (v === undefined) {
          props.onProblem?.(undefined);
          return;
        }
        const why = props.check?.(v);
        props.onProblem?.(why);
        if (why === undefined) props.onCommit(v);
      }}
    />
  );
}

/** A complete number in JavaScript's syntax ("0.45", "1e-1", "-3"), or undefined for text that is not (yet) one. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}
