import { describeScenarios } from './spec-scenarios';
import { s3CrashScenarios } from './crash-scenarios';

// Three crash points of a backup whose storage is a bucket on s3rver (fast subset; the rest run in `npm run faults`).
const FAST = ['crash s3 backup.midChunkUpload', 'crash s3 backup.afterManifestCommitted', 'crash s3 backup.midMultipartUpload'];

describeScenarios('a backup to S3 killed mid-upload or before its pointer', s3CrashScenarios, { only: FAST });
