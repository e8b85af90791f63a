import { describeScenarios } from './spec-scenarios';
import { connectionCutScenarios } from './restart-scenarios';

// The client side of a PostgreSQL restart, without restarting it: only the scenario's own
// sessions are terminated (pg_terminate_backend on its own database), so it is safe on a shared server.
describeScenarios('a backup whose database sessions are cut', connectionCutScenarios);
