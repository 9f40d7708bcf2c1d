"""Lending devices to residents: pick-up reservations, waiting lists and holds, renewals,
borrowing agreements, library cards, the library desk and overdue notices (#16).

Lending sits above booking and builds on it; booking never imports lending and tells it what
happened by signals (``booking.signals``: devices freed, handed out, loan closed).

Where the line runs, and why:

- ``Loan``/``LoanItem`` stay in booking: a school's desk hands out and takes back devices
  against teachers' reservations with the same rows, the partial unique constraint "a device
  in at most one open loan" must hold across schools and libraries, and courses and reports
  read them. Lending adds what only residents have (renewals through ``lending.services``,
  ``OverdueNotice`` pointing at a loan).
- ``WaitlistEntry`` moves here: only residents wait for a device of a pool lent to them
  (courses keep their own waiting list as ``Enrollment`` status; booking never queues).
- ``POST /loans`` is lending's door (``lending.desk_api``): ninja joins GET and POST of one
  path only within one router, and ``GET /loans`` (a resident's own loans) is lending's; lending
  without a reservation is for residents only. Its reservation branch, which a school's desk
  uses too, is booking's ``booking.desk_api.hand_out_against``; taking back is booking's.
- The models keep their tables (``booking_librarycard``, ...) and the API its operation ids
  (``booking_lending_api_*``), so that nothing outside changes with the move.
"""
