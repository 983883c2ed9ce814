"""The card's assistant: answers a customer's question only from the store's own products and
policies (jieba + BM25, extractive, with citations), or hands it to the guide.

Entry points: `question_ask`, `question_answer`, `questions_of_visitor`, `questions_for_guide`,
`knowledge_seed_defaults`.
"""

from linkmall.cards.assistant.corpus import knowledge_seed_defaults
from linkmall.cards.assistant.services import (
    question_answer,
    question_ask,
    questions_for_guide,
    questions_of_visitor,
)

__all__ = ["knowledge_seed_defaults", "question_answer", "question_ask", "questions_for_guide",
           "questions_of_visitor"]
