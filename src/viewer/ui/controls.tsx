/**
 * Form controls the viewer's panels share: a select over fixed choices that
 * reports the typed value, a bounded number input, a text input, a canvas that acts as a
 * keyboard-operable slider (the transfer function and window/level bars),
 * and a row of a key–value table.
 */
import type { CanvasHTMLAttributes, ReactNode, RefObject } from "react";

export interface Choice<T> {
  value: T;
  label: ReactNode;
}

/** Choices whose labels are their values. */
export const plainChoices = <T extends string | number>(values: readonly T[]): Choice<T>[] =>
  values.map((value) => ({ value, label: value }));

export function ChoiceSelect<T extends string | number>(props: {
  value: T;
  choices: readonly Choice<T>[];
  onChange: (value: T) => void;
  testId?: string;
  /** Accessible name when no label element wraps the select. */
  label?: string;
  /** Wrap it in a labelled row (`<label className="row">`) with this text before it. */
  row?: ReactNode;
}) {
  const { choices, onChange } = props;
  const select = (
    <select
      data-testid={props.testId}
      aria-label={props.label}
      value={props.value}
      onChange={(e) => {
        const c = choices.find((x) => String(x.value) === e.target.value);
        if (c) onChange(c.value);
      }}
    >
      {choices.map((c) => (
        <option key={String(c.value)} value={c.value}>
          {c.label}
        </option>
      ))}
    </select>
  );
  if (props.row === undefined) return select;
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the select element above is the label's control
    <label className="row">
      {props.row}
      {select}
    </label>
  );
}

/** A number input within [min, max] (the caller bounds what it is given) reporting numbers. */
export function BoundedNumberInput(props: {
  min: number;
  max: number;
  value: number;
  onValue: (value: number) => void;
  testId: string;
  disabled?: boolean;
}) {
  return (
    <input
      type="number"
      min={props.min}
      max={props.max}
      value={props.value}
      disabled={props.disabled}
      data-testid={props.testId}
      onChange={(e) => props.onValue(Number(e.target.value))}
    />
  );
}

/** A text input reporting its text. */
export function TextInput(props: {
  value: string;
  onValue: (value: string) => void;
  placeholder?: string;
  size?: number;
  testId: string;
}) {
  return (
    <input
      value={props.value}
      onChange={(e) => props.onValue(e.target.value)}
      placeholder={props.placeholder}
      size={props.size}
      data-testid={props.testId}
    />
  );
}

/** A focusable canvas with the slider role; `slider` gives its accessible name and value. */
export function SliderCanvas({
  canvasRef,
  testId,
  slider,
  ...rest
}: Omit<CanvasHTMLAttributes<HTMLCanvasElement>, "role" | "tabIndex"> & {
  canvasRef: RefObject<HTMLCanvasElement | null>;
  testId: string;
  slider: { label: string; min: number; max: number; now: number; text: string };
}) {
  return (
    <canvas
      ref={canvasRef}
      data-testid={testId}
      tabIndex={0}
      role="slider"
      aria-label={slider.label}
      aria-valuemin={slider.min}
      aria-valuemax={slider.max}
      aria-valuenow={slider.now}
      aria-valuetext={slider.text}
      {...rest}
    />
  );
}

/** One row of a `table.kv`: the name, then the value (its cell labelled `testId` when given). */
export function KeyValue({
  name,
  testId,
  children,
}: {
  name: ReactNode;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <tr>
      <th>{name}</th>
      <td data-testid={testId}>{children}</td>
    </tr>
  );
}
