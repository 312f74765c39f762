/**
 * @peculiar/x509, loaded the one way that works: it resolves its ASN.1 providers through tsyringe, which needs the
 * Reflect metadata polyfill loaded first. Import X.509 classes from here, never from the package directly.
 */
import 'reflect-metadata';

export * from '@peculiar/x509';
