import { AgencyId, IsoTimestamp } from "@ventureos/core"
import { Schema } from "effect"
import { BrandId } from "./Keys"

/** A CSS hex color: `#1a2b3c` or `#abc`. */
export const HexColor = Schema.String.check(
  Schema.isPattern(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, { description: "a hex color such as #0a3d62" })
)

/** One entry of a brand site's navigation. */
export const NavItem = Schema.Struct({
  label: Schema.NonEmptyString,
  /** A site path (`/companies`) or an absolute https URL. */
  href: Schema.String.check(
    Schema.isPattern(/^(?:\/[^\s]*|https:\/\/[^\s]+)$/, {
      description: "a path such as /top or an https URL"
    })
  )
})
export type NavItem = typeof NavItem.Type

/** Page layouts a brand can pick. */
export const BrandLayout = Schema.Literals(["dashboard", "feed", "leaderboard", "map"])
export type BrandLayout = typeof BrandLayout.Type

/**
 * A multi-tenant brand (`PK=BRAND#<id>` in the Projects table): one site over the same data, e.g.
 * `oshatrail` (OSHA only) or `transporttrail` (FAA).
 */
export const BrandConfig = Schema.Struct({
  id: BrandId,
  name: Schema.NonEmptyString,
  domain: Schema.NullOr(Schema.String.check(Schema.isPattern(/^[a-z0-9.-]+\.[a-z]{2,}$/))),
  colors: Schema.Struct({
    primary: HexColor,
    secondary: HexColor,
    accent: HexColor,
    background: HexColor,
    text: HexColor
  }),
  layout: BrandLayout,
  navigation: Schema.Array(NavItem),
  /** Agencies shown on the site, in display order. */
  agencies: Schema.Array(AgencyId).check(Schema.isMinLength(1)),
  updated_at: IsoTimestamp
})
export type BrandConfig = typeof BrandConfig.Type

/** Decode untrusted input into a {@link BrandConfig} (throws a SchemaError on failure). */
export const decodeBrandConfig = Schema.decodeUnknownEffect(BrandConfig)
