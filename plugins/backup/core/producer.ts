/** Written into every manifest so an operator can tell which tool produced a backup. */
export const PRODUCER = 'cotton-backup';
export const PRODUCER_VERSION = '0.1.0';
