// A client's use of the types openapi-typescript generates from the served
// OpenAPI document (./api.d.ts, written beside this file by
// TestOpenAPIToolsAcceptTheDocument). tsc --noEmit --strict must accept it:
// the lines marked @ts-expect-error must be errors, so that a field the
// server may send as null is one the client has to check.
import type { components, paths } from "./api";

type Merchant = components["schemas"]["Merchant"];
type MerchantPage =
  paths["/api/v1/merchants"]["get"]["responses"]["200"]["content"]["application/json"];
type Me = paths["/api/v1/me"]["get"]["responses"]["200"]["content"]["application/json"];
type Token =
  paths["/api/v1/auth/token"]["post"]["responses"]["200"]["content"]["application/json"];
type Refusal =
  paths["/api/v1/merchants"]["post"]["responses"]["422"]["content"]["application/json"];

export function names(page: MerchantPage): string[] {
  return (page.items ?? []).map((m: Merchant) => m.legal_name);
}

export function nextPage(page: MerchantPage): number | undefined {
  // next_offset is null on the last page.
  return page.next_offset ?? undefined;
}

export function login(me: Me): string {
  // @ts-expect-error me.user may be null
  const unchecked: string = me.user.login;
  void unchecked;
  return me.user?.login ?? "";
}

export function archivedReason(m: Merchant): string {
  // @ts-expect-error archived is absent or null for a live merchant
  const unchecked: string = m.archived.reason;
  void unchecked;
  return m.archived?.reason ?? "";
}

export function bearer(t: Token): string {
  const expires: string = t.expires_at;
  return `Bearer ${t.token} (until ${expires})`;
}

export function fieldErrors(r: Refusal): Record<string, string> {
  const out: Record<string, string> = { [r.error.code]: r.error.message };
  for (const [field, message] of Object.entries(r.error.fields ?? {})) {
    out[field] = message;
  }
  return out;
}
