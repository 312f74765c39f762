import { API_ROUTES } from '../../../../functions/api/routes.js';
import type { DemoTenant } from '../../../../sim/local/api-routes.js';
import { demoKeyLines, routeFamiliesOf } from '../../../../sim/platform/start/keys.js';

const demo: DemoTenant = {
  tenantId: 'demo',
  apiKey: 'hcp_user',
  customerAdminApiKey: 'hcp_cadmin',
  operatorApiKey: 'hcp_op',
  adminApiKey: 'hcp_admin',
};

describe('the demo keys npm start prints', () => {
  it('prints a customer-admin key, the one webhooks and API keys need', () => {
    // Act
    const lines = demoKeyLines(demo, API_ROUTES);

    // Assess
    const customerAdmin = lines.find((line) => line.startsWith('customer-admin'));
    expect(customerAdmin).toContain('hcp_cadmin');
    expect(customerAdmin).toContain('/v1/webhook');
    expect(customerAdmin).toContain('/v1/api-keys');
  });

  it('says which key may do what, from the route table', () => {
    // Act
    const lines = demoKeyLines(demo, API_ROUTES);

    // Assess
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^customer-user\s+hcp_user\s+\(tenant demo: .*\/v1\/workloads/);
    expect(lines[0]).not.toContain('/v1/webhook');
    expect(lines[2]).toMatch(/^operator\s+hcp_op\s+\(platform: .*\/v1\/sites/);
    expect(routeFamiliesOf('customer-user', API_ROUTES)).not.toContain('/v1/sites');
    expect(routeFamiliesOf('admin', API_ROUTES)).toEqual(expect.arrayContaining(['/v1/tenants', '/v1/audit']));
  });
});
