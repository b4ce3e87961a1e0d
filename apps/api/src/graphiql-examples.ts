/** Shown in GraphiQL at /graphql: the operations a door integrator and an administrator start with. */
export const GRAPHIQL_EXAMPLES = `# facegate API. Send "Authorization: Bearer <token>" (Headers tab below):
# an administrator's session token from the login mutation, or an API key (fg_...).

mutation Login {
  login(email: "admin@example.com", password: "change-me-now") {
    ... on MutationLoginSuccess { data { token admin { email role } } }
    ... on Error { code message }
  }
}

query People {
  people(first: 20, search: "") {
    totalCount
    edges { node { id name cardId sampleCount } }
  }
}

mutation CreatePerson {
  createPerson(input: { name: "Younes", cardId: "1042" }) {
    ... on MutationCreatePersonSuccess { data { id name } }
    ... on Error { code message }
  }
}

# Uploads (enrollFaces, verifyFace, identifyFace) use the GraphQL multipart request spec:
# see the README for curl examples.

query Audit {
  recognitionEvents(first: 20, filter: { decision: REFUSED }) {
    edges { node { createdAt kind claimedLabel decidedLabel distance threshold decision reason } }
  }
}

subscription Live {
  recognitionEvents { createdAt kind decidedLabel decision distance }
}
`;
