/* bAbI question answering tasks (Weston et al. 2015, v1.2 files, CC BY 3.0 Facebook): a strict
 * parser of the task files and a generator of bAbI-style stories for qa1-qa5.
 *
 * File format: one line per sentence, "<id> <text>"; ids count 1, 2, 3, ... inside a story and a
 * new story starts at 1. Question lines are "<id> <question>\t<answer>\t<supporting ids>". The
 * parser turns every question into one BabiSample the way BABILong does (babilong_utils.py,
 * get_dataset_df): its facts are all statement lines of the story up to the question, in order,
 * earlier questions left out. Malformed input (bad numbering, missing tabs, supporting ids that
 * are not earlier statements, a story or file that stops before its question) is an error
 * "path:line: problem". CRLF line ends are accepted, as Python's text mode does.
 *
 * Generator: a small world simulation in the manner of the original generator (doc section
 * 4.2): 4 actors, 6 locations, 3 objects with a true state; actions are drawn only when valid
 * (nobody moves to where he is, get only a free object in the actor's room, drop or give only a
 * held object, give only to someone in the same room); a knowledge tracker knows which facts
 * tell the reader where things are; questions are asked only about what the reader can know,
 * with the supporting fact ids. Sentence forms and questions are those of the v1.2 files. The
 * text is written in the file format and read back with babi_parse, so generated stories obey
 * the same checks as the files. Rules taken from the v1.2 files (the original code is not
 * public; the Lua rewrite differs):
 *  - qa1-qa3, qa5: two actions, then a question if one can be asked, until 5 questions; a
 *    question's newest supporting fact is one of the 5 latest statements (in the files it is
 *    always 1, 2, 4, 5 or 7 lines back).
 *  - Action kinds are drawn by weight, then one valid action of the kind uniformly; "there"
 *    ends every get in qa2 and qa5, one get in 5 in qa3 and one drop in 5.
 *  - qa1 asks where an actor is (support: his latest move); qa2 where an object is, held by an
 *    actor whose place is known or dropped where its dropper was known to be (support: the get
 *    or drop, then the move); qa3 where an object was before a place its holder took it to,
 *    both places reached during its latest holding and "before the L" meaning the latest visit
 *    to L (support: that holding's latest get or drop, the move into L, the move before);
 *    qa5 one of the five give questions about the latest give ("What did A give to B?" 1 in 3).
 *  - qa4: three places on a north-south or east-west line, one statement per end relating it
 *    to the middle place, the middle the sentence's object 2 times in 3; the question, "What is
 *    D of the B?" or "What is the B D' of?", is answered by one statement's subject.
 *  - Against the files: questions come a little sooner (qa2 asks after 2 new facts 79% of the
 *    time, the files 58%), and qa3 stories are shorter (median 55 lines, files 73). */
#ifndef TITANS_DATASETS_BABI_H
#define TITANS_DATASETS_BABI_H

#include <stddef.h>

#include "common.h"

/* One question with the facts before it. All strings live in the owning BabiSet. */
typedef struct {
    char **facts;         /* the story's statements up to the question (shared with its other questions) */
    int n_facts;
    const char *question; /* as in the file: "Where is Mary? " keeps its trailing space */
    const char *answer;   /* "bathroom"; list answers stay as written ("apple,milk") */
    const int *support;   /* supporting facts as indices into facts[], in file order */
    int n_support;
    size_t facts_len;     /* bytes of the facts joined by single spaces */
} BabiSample;

typedef struct {
    char *text;           /* the file's bytes, cut into NUL-terminated fields in place */
    char **stmts;         /* every statement line, file order */
    int *support;         /* every supporting index, file order */
    BabiSample *samples;  /* one per question, file order */
    int n_samples;
} BabiSet;

/* Parses bAbI text; name is used in error messages (normally the path). 0 on success. */
int babi_parse(const char *text, size_t len, const char *name, BabiSet *out, DataError *err);
int babi_load(const char *path, BabiSet *out, DataError *err);
void babi_free(BabiSet *s);

#define BABI_GENERATED_TASKS 5

/* One story of task 1..5 drawn from rng: qa1-qa3 and qa5 tell 5 questions, qa4 one. */
int babi_generate(int task, Rng *rng, BabiSet *out, DataError *err);

#endif
