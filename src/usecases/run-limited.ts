/** Runs the tasks, at most `limit` at a time; a task's failure goes to `onError` and the others go on. */
export async function runLimited(
  tasks: ReadonlyArray<() => Promise<void>>,
  limit: number,
  onError: (error: unknown) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      await task?.().catch(onError);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
