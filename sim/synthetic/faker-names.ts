import { en, Faker } from '@faker-js/faker';
import type { NameSource } from '../../core/synthetic/workloads.js';

/**
 * Tenant company names from faker, seeded so a seed always names the same tenants. The only module that imports
 * faker: faker 10 is ESM-only and jest (CommonJS) cannot load it, so tests use core's fallback names instead.
 */
export function fakerNameSource(seed: number): NameSource {
  const faker = new Faker({ locale: [en], seed });
  const names: string[] = [];
  return (index) => {
    while (names.length <= index) names.push(faker.company.name());
    return names[index]!;
  };
}
