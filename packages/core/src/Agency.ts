import { Schema } from "effect"

/** Agencies shipped with VentureOS. Third-party plugins may add more ids matching {@link AgencyId}. */
export const KnownAgencies = ["osha", "epa", "faa"] as const

/** An agency id: lowercase ASCII, e.g. `osha`. Extensible: plugins register new ids. */
export const AgencyId = Schema.String.check(
  Schema.isPattern(/^[a-z][a-z0-9_]{1,31}$/, {
    description: "a lowercase agency id such as osha, epa or faa"
  })
).pipe(Schema.brand("AgencyId"))
export type AgencyId = typeof AgencyId.Type

/** Build an {@link AgencyId}, throwing on an invalid id (for constants). */
export const agencyId = (id: string): AgencyId => Schema.decodeUnknownSync(AgencyId)(id)
