import type { ComponentChildren } from "preact"

/**
 * A horizontally scrollable wrapper for wide tables. It is focusable so keyboard users can scroll it
 * (WCAG 2.1.1; axe `scrollable-region-focusable`), and named so the focus stop makes sense.
 */
export const ScrollRegion = ({ label, children }: { label: string; children: ComponentChildren }) => (
  // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard to be scrolled
  <section class="table-wrap" aria-label={label} tabIndex={0}>
    {children}
  </section>
)
