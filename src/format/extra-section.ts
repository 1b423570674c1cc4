/** A section the packer appends after the bricks and lists in the section directory. */
export interface ExtraSection {
  /** Section kind code, see docs/FORMAT.md "Section kinds". */
  kind: number;
  bytes: Uint8Array;
  /** Readers that do not know the kind skip it (default true). Set false only for sections a reader must understand. */
  optional?: boolean;
  /** Place inside the 64 KiB open block when it has room, so opening the file brings it along. */
  openBlock?: boolean;
}
