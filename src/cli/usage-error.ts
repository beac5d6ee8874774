/** Bad usage on the command line: exit 2, like a bad config. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
