// vitest globalSetup: starts the MariaDB and PostgreSQL test servers once per run and provides their
// connection info to every test file (`inject('dbServers')`, read through readDbServers()).
import type { TestProject } from 'vitest/node';
import { startDbServers } from './db-servers.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers = await startDbServers();
  project.provide('dbServers', servers.info);
  return () => servers.stop();
}
