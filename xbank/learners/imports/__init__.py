"""Imports of learners (学习者名单) and learning outcomes (学习成果), on the shared pipeline.

Both find people by the keyed hash of their document number, for the whole file in a few
queries: one learning account per person (invariant 1), whatever the spelling of the number.
``people`` holds the columns and checks they share (and other apps' imports of people use),
``learner_import`` and ``outcome_import`` one kind each. Importing this package registers both
with the pipeline (``xbank.imports`` discovers every app's ``imports``), learners first: the
order of registration is the order of the kinds on the import page. The names below stay
importable from here.
"""

from .learner_import import (  # noqa: F401
    ERR_MAJOR_SCOPE,
    ERR_STUDENT_NEEDS,
    ERR_STUDENT_NO_TAKEN,
    ERR_UNKNOWN_MAJOR,
    LearnerImport,
    cohort_column,
    major_column,
    majors_of,
)
from .outcome_import import (  # noqa: F401
    COURSE_RESULT,
    DIPLOMA,
    ERR_COURSE_CODE_REQUIRED,
    ERR_ISSUER_REQUIRED,
    ERR_KIND_MISMATCH,
    ERR_KIND_REQUIRED,
    ERR_LEVEL,
    ERR_NO_ACCOUNT,
    ERR_NUMBER_REQUIRED,
    ERR_OUT_OF_SCOPE,
    ERR_UNKNOWN_CERTIFICATE,
    ERR_UNKNOWN_COURSE,
    KEEP_IF_BLANK,
    LEVEL_LABEL,
    LEVEL_LABELS,
    LEVEL_OPTIONS,
    OUTCOME_FIELDS,
    OUTCOME_KIND_LABEL,
    OUTCOME_KIND_LABELS,
    OUTCOME_KIND_OF_TYPE,
    OUTCOME_KIND_OPTIONS,
    TRAINING,
    OutcomeImport,
)
from .people import (  # noqa: F401
    DOCUMENT_TYPE_LABELS,
    DOCUMENT_TYPE_OPTIONS,
    EXAMPLE_ID,
    ID_NUMBER_SYNONYMS,
    RESIDENT_ID,
    NameCheck,
    find_accounts,
    id_number_column,
    id_type_column,
    name_column,
    prepare_people,
)
