//! Forecasting engine: models, backtest, model choice, intraday re-forecast. Pure: no I/O.
