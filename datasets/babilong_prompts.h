/* BABILong's per-task prompts and answer labels for bAbI qa1-qa20 (booydar/babilong
 * babilong/prompts.py DEFAULT_PROMPTS and metrics.py TASK_LABELS), byte for byte: quirks of the
 * upstream text are kept (qa2's instruction has no space after "question."; qa6-qa9 examples end
 * in a newline; qa10-qa16 and qa20 examples end in "<context>\n"; qa17 and qa18 join two
 * examples with no newline), because they are what the published runs saw. */
#ifndef TITANS_DATASETS_BABILONG_PROMPTS_H
#define TITANS_DATASETS_BABILONG_PROMPTS_H

#define BABILONG_TASKS 20
#define BABILONG_MAX_LABELS 12

typedef struct {
    const char *instruction, *examples, *post_prompt;
} BabilongPrompt;

/* "qa1" .. "qa20" (no leading zero) as 1..20; 0 for anything else. */
int babilong_task_parse(const char *name);
/* task 1..20; NULL outside */
const BabilongPrompt *babilong_prompt(int task);
/* The task's labels lower-cased (metrics.py lower-cases them too), NULL-terminated; NULL outside
 * 1..20. */
const char *const *babilong_labels(int task);

#endif
