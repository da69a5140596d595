"""devstore's Admin GraphQL engine: schema, validation, scopes, cost, resolvers, mutations."""
