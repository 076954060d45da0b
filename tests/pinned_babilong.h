/* Pinned BABILong prompt text shared by the built-in and the real-data tests: the qa1 prompt of
 * babilong/prompts.py DEFAULT_PROMPTS in DEFAULT_TEMPLATE, up to the context (doc section 3.3). */
#ifndef TITANS_TESTS_PINNED_BABILONG_H
#define TITANS_TESTS_PINNED_BABILONG_H

#define RSQ "\xe2\x80\x99" /* U+2019 */

/* instruction, examples and post_prompt of qa1, then "<context>\n" */
#define QA1_HEAD \
    "I will give you context with the facts about positions of different persons hidden in some random text and a " \
    "question. You need to answer the question based only on the information from the facts. If a person was in " \
    "different locations, use the latest location to answer the question.\n" \
    "\n" \
    "<example>\n" \
    "Charlie went to the hallway. Judith come back to the kitchen. Charlie travelled to balcony. Where is Charlie?\n" \
    "Answer: The most recent location of Charlie is balcony.\n" \
    "</example>\n" \
    "\n" \
    "<example>\n" \
    "Alan moved to the garage. Charlie went to the beach. Alan went to the shop. Rouse travelled to balcony. Where " \
    "is Alan?\n" \
    "Answer: The most recent location of Alan is shop.\n" \
    "</example>\n" \
    "\n" \
    "Always return your answer in the following format: The most recent location of " RSQ "person" RSQ " is " RSQ \
    "location" RSQ ". Do not write anything else after that.\n" \
    "\n" \
    "<context>\n"

#endif
