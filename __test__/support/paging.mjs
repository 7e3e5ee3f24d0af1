// Page-based listing as Cloudflare's v4 API does it (tests only): `page` from
// 1, `per_page` within the endpoint's bounds, and `result_info` beside the
// result. Bounds and defaults are the published ones per endpoint (see each
// caller); a `per_page` outside them is refused here. What the real API does
// with one (clamp or refuse) is not published, so the stand-in takes the
// strict reading: a client that stays in bounds works either way.

/** `{ result, result_info }` for `items`, or `{ error }` for bad paging. */
export function pageOf(items, searchParams, { min, max, fallback }) {
  const page = Number(searchParams.get('page') ?? 1)
  const perPage = Number(searchParams.get('per_page') ?? fallback)
  if (!Number.isInteger(page) || page < 1) return { error: `page must be an integer of at least 1, got ${searchParams.get('page')}` }
  if (!Number.isInteger(perPage) || perPage < min || perPage > max) {
    return { error: `per_page must be an integer from ${min} to ${max}, got ${searchParams.get('per_page')}` }
  }
  const result = items.slice((page - 1) * perPage, page * perPage)
  const totalPages = Math.max(1, Math.ceil(items.length / perPage))
  return { result, result_info: { page, per_page: perPage, count: result.length, total_count: items.length, total_pages: totalPages } }
}
