export default {
  displayName: 'forecasting',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/forecasting',
};
