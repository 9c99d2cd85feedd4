// Package bench holds the load scenarios of `make bench` and the dashboard
// query that tests pin.
package bench

// Dashboard is the partner dashboard: the first 50 managed tenants with their
// plans, their first 5 spaces, each space's first 4 devices, each device's
// first 2 installations, with totalCount at every level.
const Dashboard = `query Dashboard($partner: ID!) {
  tenant(id: $partner) {
    id displayName
    managedTenants(first: 50) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id displayName country
        tenantPlan { id name monthlyPrice { amount currency } }
        supportPlan { id name monthlyPrice { amount currency } }
        spaces(first: 5) { totalCount edges { node {
          id name
          devices(first: 4) { totalCount edges { node {
            id name serialNumber
            installations(first: 2) { totalCount edges { node { id name app } } }
          } } }
        } } }
      } }
    }
  }
}`

// Tree is one page (100) of all managed tenants, full depth (pages of 10
// below, more than the benchmark tree's 5 x 4 x 2).
const Tree = `query Tree($partner: ID!, $after: Cursor) {
  tenant(id: $partner) {
    managedTenants(first: 100, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id displayName
        tenantPlan { name } supportPlan { name }
        spaces(first: 10) { totalCount edges { node {
          id name
          devices(first: 10) { totalCount edges { node {
            id serialNumber
            installations(first: 10) { totalCount edges { node { id app } } }
          } } }
        } } }
      } }
    }
  }
}`

// Count is the number of a partner's managed tenants and nothing else
// (issue 11: its cost should not grow with the partner beyond the count).
const Count = `query Count($partner: ID!) {
  tenant(id: $partner) { managedTenants(first: 10) { totalCount } }
}`

// Catalog is the plan dropdown.
const Catalog = `query Catalog($partner: ID!) {
  planCatalog(partnerId: $partner, kind: TENANT) { id name monthlyPrice { amount currency } }
}`

// Viewer is the console's first query.
const Viewer = `{ viewer { memberships { role tenant { displayName } } } }`

// Small is the smallest query a console asks (issue 11: who am I), where
// the cost of a request is everything around the answer.
const Small = `{ viewer { user { email } } }`

// Create makes a managed tenant.
const Create = `mutation Create($in: CreateManagedTenantInput!) {
  createManagedTenant(input: $in) { managedTenant { id } userErrors { field code message } }
}`

// ChangePlans changes a managed tenant's plans.
const ChangePlans = `mutation ChangePlans($in: ChangeManagedTenantPlansInput!) {
  changeManagedTenantPlans(input: $in) { managedTenant { id } userErrors { field code message } }
}`
