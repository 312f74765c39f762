/**
 * IAM's `StringLike` match: case-sensitive, `*` matches any run of characters (none included), `?` exactly one;
 * every other character stands for itself. The rule the tenant-scoped table policy's `dynamodb:LeadingKeys`
 * condition applies, shared by the local guard that enforces the same rule on DynamoDB Local.
 */
export function stringLike(pattern: string, value: string): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '[\\s\\S]*')
    .replaceAll('?', '[\\s\\S]');
  return new RegExp(`^${escaped}$`).test(value);
}
